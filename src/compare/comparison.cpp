#include "compare/comparison.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"

namespace expt {
namespace {

constexpr size_t kMaxDifferences = 12;

bool matches(const RunRecord& run, const std::string& key, const std::string& value) {
  if (key == "status") return run.status() == value;
  const auto it = run.config.find(key);
  return it != run.config.end() && same_value(it->second, value);
}

std::vector<RunRecord> apply_filters(std::vector<RunRecord> runs, const std::vector<std::string>& filters) {
  for (const auto& filter : filters) {
    const size_t eq = filter.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(ExitCode::usage, fmt::format("--filter '{}': expected key=value, e.g. training.dropout=true", filter));
    const std::string key = filter.substr(0, eq), value = filter.substr(eq + 1);
    const bool known = key == "status" || std::any_of(runs.begin(), runs.end(), [&](const RunRecord& r) {
                         return r.config.contains(key);
                       });
    if (!runs.empty() && !known)
      throw Error(ExitCode::usage, fmt::format("--filter '{}': no run has the config key '{}'", filter, key));
    std::erase_if(runs, [&](const RunRecord& r) { return !matches(r, key, value); });
  }
  return runs;
}

// Keys whose value is not the same in every run (a key some runs lack counts as differing).
std::vector<std::string> differing_keys(const std::vector<RunRecord>& runs) {
  std::set<std::string> all;
  for (const auto& r : runs)
    for (const auto& kv : r.config) all.insert(kv.first);
  std::vector<std::string> out;
  for (const auto& key : all) {
    const auto first = runs.front().config.find(key);
    const bool differs = std::any_of(runs.begin(), runs.end(), [&](const RunRecord& r) {
      const auto it = r.config.find(key);
      if ((it == r.config.end()) != (first == runs.front().config.end())) return true;
      return it != r.config.end() && !same_value(it->second, first->second);
    });
    if (differs) out.push_back(key);
  }
  return out;
}

std::string status_counts(const std::vector<RunRecord>& runs, const std::vector<size_t>& members) {
  std::map<std::string, int> counts;
  for (size_t i : members) ++counts[runs[i].status()];
  std::string out;
  for (const auto& [status, n] : counts) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n, status);
  return out;
}

bool finished(const Report& report) {
  return report.status == RunStatus::completed || report.status == RunStatus::stopped_early;
}

void summarize(RunGroup& group, const std::vector<RunRecord>& runs) {
  for (size_t i : group.runs)
    if (finished(runs[i].report)) group.counted.push_back(i);
  if (group.counted.empty())
    std::copy_if(group.runs.begin(), group.runs.end(), std::back_inserter(group.counted),
                 [&](size_t i) { return runs[i].report.status != RunStatus::diverged; });
  group.diverged = group.counted.empty();
  for (const Metric& metric : all_metrics()) {
    MetricSummary s;
    for (size_t i : group.counted) s.values.push_back(metric.of(runs[i].report));
    s.mean = mean(s.values);
    s.std = sample_std(s.values);
    group.metrics.push_back(std::move(s));
  }
  group.status = status_counts(runs, group.runs);
}

size_t metric_index(const Metric& metric) {
  const auto metrics = all_metrics();
  return static_cast<size_t>(&metric - metrics.data());
}

// The headline numbers of "did it help?": the sort metric, test accuracy, the overfitting gap
// and what it cost in time.
std::vector<const Metric*> compared_metrics(const Metric& sort_metric) {
  std::vector<const Metric*> out{&sort_metric};
  for (const char* name : {"final_test_accuracy", "train_test_gap", "seconds"}) {
    const Metric* m = &find_metric(name);
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  return out;
}

GroupDifference difference_between(const Comparison& c, size_t better, size_t worse, std::string key) {
  GroupDifference d{better, worse, std::move(key), {}};
  for (const Metric* metric : compared_metrics(*c.sort_metric)) {
    const size_t m = metric_index(*metric);
    d.metrics.push_back(
        {metric, welch_test(c.groups[better].metrics[m].values, c.groups[worse].metrics[m].values, c.confidence)});
  }
  return d;
}

// Groups whose every run diverged have no numbers to compare: a "0 ± 0" difference would be
// an artefact of the loss becoming NaN, not a result.
void find_differences(Comparison& c) {
  if (c.groups.size() == 2) {
    if (c.groups[0].diverged || c.groups[1].diverged) return;
    const auto& a = c.groups[0].values;
    const auto& b = c.groups[1].values;
    std::vector<size_t> differ;
    for (size_t k = 0; k < a.size(); ++k)
      if (a[k] != b[k]) differ.push_back(k);
    c.differences.push_back(difference_between(c, 0, 1, differ.size() == 1 ? c.keys[differ[0]] : ""));
    return;
  }
  for (size_t i = 0; i < c.groups.size(); ++i)
    for (size_t j = i + 1; j < c.groups.size(); ++j) {
      std::vector<size_t> differ;
      for (size_t k = 0; k < c.keys.size(); ++k)
        if (c.groups[i].values[k] != c.groups[j].values[k]) differ.push_back(k);
      if (differ.size() != 1 || c.groups[i].diverged || c.groups[j].diverged) continue;
      if (c.differences.size() == kMaxDifferences) {
        ++c.differences_left_out;
        continue;
      }
      c.differences.push_back(difference_between(c, i, j, c.keys[differ[0]]));
    }
}

// `threads` does not tell experiments apart, but CPU results depend on it (summation order):
// a group whose runs used different thread counts has more spread than its seeds explain.
void warn_about_mixed_threads(Comparison& c) {
  for (const auto& g : c.groups) {
    std::set<int64_t> threads;
    for (size_t i : g.runs)
      if (c.runs[i].report.threads > 0) threads.insert(c.runs[i].report.threads);
    if (threads.size() > 1)
      c.warnings.push_back(fmt::format("warning: group {} mixes runs on {} CPU threads; results differ between thread "
                                       "counts, so its spread is not only the seeds'",
                                       c.label(g), fmt::join(threads, ", ")));
  }
}

}  // namespace

bool is_ignored_config_key(const std::string& key) {
  static const std::array<std::string, 4> ignored{"seed", "name", "results_dir", "threads"};
  return std::find(ignored.begin(), ignored.end(), key) != ignored.end();
}

std::string Comparison::value(size_t run, const std::string& key) const {
  const auto it = runs[run].config.find(key);
  return it == runs[run].config.end() ? "-" : it->second;
}

std::string Comparison::label(const RunGroup& group) const {
  std::string out;
  for (size_t k = 0; k < keys.size(); ++k) out += fmt::format("{}{}={}", out.empty() ? "" : ", ", keys[k], group.values[k]);
  return out.empty() ? "all runs" : out;
}

std::string Comparison::context(const GroupDifference& d) const {
  std::string out;
  for (size_t k = 0; k < keys.size(); ++k)
    if (keys[k] != d.key && groups[d.better].values[k] == groups[d.worse].values[k])
      out += fmt::format("{}{}={}", out.empty() ? "" : ", ", keys[k], groups[d.better].values[k]);
  return out;
}

Comparison compare_runs(std::vector<RunRecord> runs, const CompareOptions& options) {
  Comparison c;
  c.sort_metric = &find_metric(options.metric);
  c.confidence = options.confidence;
  c.runs = apply_filters(std::move(runs), options.filters);
  if (c.runs.empty()) return c;

  c.run_keys = differing_keys(c.runs);
  std::erase_if(c.run_keys, [](const std::string& k) { return is_ignored_config_key(k) && k != "seed"; });
  if (options.group_by.empty()) {
    std::copy_if(c.run_keys.begin(), c.run_keys.end(), std::back_inserter(c.keys),
                 [](const std::string& k) { return k != "seed"; });
  } else {
    for (const auto& key : options.group_by) {
      const bool known = std::any_of(c.runs.begin(), c.runs.end(), [&](const RunRecord& r) { return r.config.contains(key); });
      if (!known) throw Error(ExitCode::usage, fmt::format("--group-by {}: no run has this config key", key));
    }
    c.keys = options.group_by;
  }

  std::map<std::vector<std::string>, size_t> group_of;
  for (size_t i = 0; i < c.runs.size(); ++i) {
    std::vector<std::string> values;
    for (const auto& key : c.keys) values.push_back(c.value(i, key));
    auto [it, added] = group_of.try_emplace(values, c.groups.size());
    if (added) c.groups.push_back(RunGroup{values, {}, {}, {}, {}, false});
    c.groups[it->second].runs.push_back(i);
  }
  for (auto& g : c.groups) summarize(g, c.runs);

  const size_t m = metric_index(*c.sort_metric);
  const bool higher_is_better = c.sort_metric->higher_is_better;
  std::stable_sort(c.groups.begin(), c.groups.end(), [&](const RunGroup& a, const RunGroup& b) {
    const double x = a.metrics[m].mean, y = b.metrics[m].mean;
    if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
    return higher_is_better ? x > y : x < y;
  });
  find_differences(c);
  warn_about_mixed_threads(c);
  return c;
}

}  // namespace expt
