#pragma once
// `model.init_from`: which tensors of a safetensors file fill which parameters. The config check
// at load time and the run that copies the weights both ask this one function, so the two
// cannot disagree.
#include <map>
#include <string>
#include <vector>

#include "config/experiment_config.hpp"
#include "core/safetensors.hpp"
#include "layers/network_plan.hpp"

namespace expt {

struct InitFromMatch {
  struct Pair {
    size_t param;        // index into NetworkPlan::params
    std::string tensor;  // the file's name for it
  };
  std::vector<Pair> pairs;
  std::vector<std::string> problems;  // each a sentence naming tensors; empty when the file fits
};

// The file's tensors (from its header) for the parameters of `from.layers`, each layer's name in
// the file being ours unless `from.rename` maps another to it. Problems: a tensor that is not F32
// or has another shape; with `from.strict`, also the missing tensors and the unused ones.
InitFromMatch match_init_from(const InitFromConfig& from, const NetworkPlan& plan,
                              const std::map<std::string, safetensors::TensorInfo>& header);

}  // namespace expt
