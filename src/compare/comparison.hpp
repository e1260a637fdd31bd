#pragma once
// Turns a set of runs into what `expt compare` prints: the config keys that differ between
// them, groups of runs that differ only by seed (mean, std, n per metric), and for groups that
// differ in one key the difference of each headline metric with Welch's confidence interval.
#include <optional>
#include <string>
#include <vector>

#include "compare/metrics.hpp"
#include "compare/run_records.hpp"
#include "compare/statistics.hpp"

namespace expt {

struct CompareOptions {
  std::string metric = "final_test_accuracy";  // sort order, best first
  std::vector<std::string> filters;            // key=value: keep runs whose config (or status) matches
  std::vector<std::string> group_by;           // empty: group by every differing key except the seed
  double confidence = 0.95;
};

// Config keys that never tell experiments apart: every run has its own, or they only say
// where and how fast to run.
bool is_ignored_config_key(const std::string& key);

struct MetricSummary {
  double mean = 0, std = 0;
  std::vector<double> values;
};

struct RunGroup {
  std::vector<std::string> values;     // one per Comparison::keys; "-" where a run lacks the key
  std::vector<size_t> runs;            // indices into Comparison::runs
  std::vector<size_t> counted;         // the runs the statistics use: the finished ones (completed or
                                       // stopped early), else all that did not diverge
  std::vector<MetricSummary> metrics;  // one per all_metrics(); no values when every run diverged
  std::string status;                  // "3 completed", "2 completed, 1 stopped_early, 1 diverged"
  bool diverged = false;               // every run diverged: no statistics, no comparison
};

struct MetricDifference {
  const Metric* metric = nullptr;
  std::optional<WelchResult> welch;  // empty when a group has fewer than two counted runs
};

struct GroupDifference {
  size_t better = 0, worse = 0;  // indices into Comparison::groups; better ranks higher
  std::string key;               // the one key they differ in; empty when they differ in several
  std::vector<MetricDifference> metrics;
};

struct Comparison {
  const Metric* sort_metric = nullptr;
  double confidence = 0.95;
  std::vector<std::string> keys;      // what the groups are told apart by
  std::vector<std::string> run_keys;  // every key that differs between runs, the seed included
  std::vector<RunRecord> runs;        // after the filters
  std::vector<RunGroup> groups;       // best first by the sort metric
  std::vector<GroupDifference> differences;
  size_t differences_left_out = 0;    // more one-key pairs than are worth printing
  std::vector<std::string> warnings;  // "warning: ..." lines about what the statistics mix

  std::string value(size_t run, const std::string& key) const;  // "-" when the run lacks the key
  std::string label(const RunGroup& group) const;               // "training.dropout=true, ..."
  std::string context(const GroupDifference& d) const;          // the keys both groups share
};

// Throws expt::Error (usage) for an unknown --metric, a malformed or unmatched --filter, or a
// --group-by key no run has.
Comparison compare_runs(std::vector<RunRecord> runs, const CompareOptions& options);

}  // namespace expt
