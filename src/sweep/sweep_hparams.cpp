#include "sweep/sweep_hparams.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "tensorboard/hparams.hpp"

namespace expt {

FlatConfig varied_config(const FlatConfig& common, std::string_view resolved_yaml) {
  FlatConfig varied = flatten_config_text(resolved_yaml);
  std::erase_if(varied, [&](const auto& kv) { return kv.first == "threads" || common.contains(kv.first); });
  return varied;
}

void write_sweep_hparams_summary(const SweepPlan& plan, const Manifest& manifest) {
  std::map<std::string, std::vector<HParamValue>> values;  // by key, each value once, in member order
  for (const auto& m : plan.members)
    for (const auto& [key, text] : varied_config(manifest.common_config, m.config.resolved_yaml)) {
      auto& seen = values[key];
      const HParamValue value = hparam_value(text);
      if (std::find(seen.begin(), seen.end(), value) == seen.end()) seen.push_back(value);
    }
  std::vector<SweepHParam> hparams;
  for (auto& [key, tried] : values) hparams.push_back({key, std::move(tried)});
  write_sweep_hparams(plan.dir, hparams, fmt::format("sweep {}: {} members", plan.name, plan.members.size()));
}

}  // namespace expt
