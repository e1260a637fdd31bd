#pragma once
// The gradient of one layer's output, as its backward reads it: the data gradients that the
// layers reading that output passed back, summed (a branch point such as a residual block's
// input receives one from each branch) and in the layout the layer's backward wants.
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <unordered_map>
#include <vector>

#include "backends/onednn/layouts.hpp"
#include "backends/onednn/profiler.hpp"

namespace expt::onednn {

class GradientGather {
 public:
  GradientGather() = default;
  // `parts`: one gradient per reader. `may_alias`: the result may be the single part itself when
  // its layout is `want`, because nothing else reads the part (the layer's backward may then
  // overwrite it, as fused activations do) or because the layer's backward only reads it.
  // Otherwise the result is new memory from `allocate`, which also holds parts moved into `want`
  // before the sum.
  GradientGather(const dnnl::engine& engine, const std::vector<dnnl::memory>& parts, const dnnl::memory::desc& want,
                 bool may_alias, const Allocate& allocate);

  const dnnl::memory& dst() const { return dst_; }
  void run(dnnl::stream& stream, Profiler& profiler) const;

 private:
  std::vector<Relayout> parts_;          // each part in `want` (the part itself where it already is)
  std::optional<dnnl::reorder> copy_;    // one part shared with another reader: a private copy
  dnnl::memory copy_from_;
  std::optional<dnnl::sum> sum_;         // several parts
  std::unordered_map<int, dnnl::memory> sum_args_;
  dnnl::memory dst_;
};

}  // namespace expt::onednn
