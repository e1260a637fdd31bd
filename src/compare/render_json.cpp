// Machine-readable output: the groups with every run's value per metric, and the differences
// with their intervals, so notebooks need not recompute anything.
#include <nlohmann/json.hpp>

#include "compare/render.hpp"

namespace expt {
namespace {

nlohmann::ordered_json parameters_of(const Comparison& c, const RunGroup& g) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (size_t k = 0; k < c.keys.size(); ++k) out[c.keys[k]] = g.values[k];
  return out;
}

}  // namespace

std::string render_json(const Comparison& c) {
  nlohmann::ordered_json j;
  j["metric"] = c.sort_metric ? std::string(c.sort_metric->name) : "";
  j["confidence"] = c.confidence;
  j["keys"] = c.keys;
  auto& groups = j["groups"] = nlohmann::ordered_json::array();
  for (const auto& g : c.groups) {
    nlohmann::ordered_json group;
    group["parameters"] = parameters_of(c, g);
    group["n"] = g.counted.size();
    group["status"] = g.status;
    group["diverged"] = g.diverged;
    auto& dirs = group["runs"] = nlohmann::ordered_json::array();
    for (size_t i : g.runs) dirs.push_back(c.runs[i].dir.string());
    const auto metrics = all_metrics();
    for (size_t m = 0; m < metrics.size(); ++m)
      group["metrics"][std::string(metrics[m].name)] = {
          {"mean", g.metrics[m].mean}, {"std", g.metrics[m].std}, {"values", g.metrics[m].values}};
    groups.push_back(std::move(group));
  }
  auto& differences = j["differences"] = nlohmann::ordered_json::array();
  for (const auto& d : c.differences) {
    nlohmann::ordered_json diff;
    diff["key"] = d.key;
    diff["better"] = parameters_of(c, c.groups[d.better]);
    diff["worse"] = parameters_of(c, c.groups[d.worse]);
    for (const auto& m : d.metrics) {
      auto& entry = diff["metrics"][std::string(m.metric->name)];
      if (!m.welch) {
        entry = nullptr;
        continue;
      }
      entry = {{"difference", m.welch->difference}, {"low", m.welch->low},       {"high", m.welch->high},
               {"t", m.welch->t},                   {"df", m.welch->df},         {"p_value", m.welch->p_value},
               {"standard_error", m.welch->standard_error}};
    }
    differences.push_back(std::move(diff));
  }
  auto& runs = j["runs"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < c.runs.size(); ++i) {
    const Report& r = c.runs[i].report;
    nlohmann::ordered_json run{{"dir", c.runs[i].dir.string()}, {"status", c.runs[i].status()}};
    for (const auto& key : c.run_keys) run["parameters"][key] = c.value(i, key);
    for (const Metric& m : all_metrics()) run[std::string(m.name)] = m.of(r);
    runs.push_back(std::move(run));
  }
  return j.dump(2) + "\n";
}

}  // namespace expt
