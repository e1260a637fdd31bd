#pragma once
// The numbers `expt compare` reports per run, by the names `--metric` and the JSON output use.
#include <span>
#include <string>
#include <string_view>

#include "experiment/report.hpp"

namespace expt {

enum class MetricUnit { fraction, seconds, count, rate };

struct Metric {
  std::string_view name;   // final_test_accuracy, ...
  std::string_view label;  // column header
  bool higher_is_better;   // sort order: best first
  MetricUnit unit;
  double (*of)(const Report&);
};

std::span<const Metric> all_metrics();
const Metric& find_metric(std::string_view name);  // throws expt::Error (usage) listing the names

// "0.8712", "52.3s", "6", "1234".
std::string format_metric_value(const Metric& metric, double value);

}  // namespace expt
