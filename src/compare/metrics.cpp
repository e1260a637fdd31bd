#include "compare/metrics.hpp"

#include <array>

#include <fmt/format.h>

#include "core/error.hpp"

namespace expt {
namespace {

const std::array<Metric, 7> kMetrics{{
    {"final_test_accuracy", "final test", true, MetricUnit::fraction,
     [](const Report& r) { return r.final_test_accuracy(); }},
    {"best_test_accuracy", "best test", true, MetricUnit::fraction,
     [](const Report& r) { return r.best_test_accuracy(); }},
    {"final_train_accuracy", "train", true, MetricUnit::fraction,
     [](const Report& r) { return r.final_train_accuracy(); }},
    {"train_test_gap", "gap", false, MetricUnit::fraction,
     [](const Report& r) { return r.final_train_accuracy() - r.final_test_accuracy(); }},
    {"epochs", "epochs", true, MetricUnit::count, [](const Report& r) { return static_cast<double>(r.epochs.size()); }},
    {"seconds", "time", false, MetricUnit::seconds, [](const Report& r) { return r.total_seconds; }},
    {"images_per_second", "img/s", true, MetricUnit::rate, [](const Report& r) { return r.images_per_second(); }},
}};

}  // namespace

std::span<const Metric> all_metrics() { return kMetrics; }

const Metric& find_metric(std::string_view name) {
  std::string names;
  for (const auto& m : kMetrics) {
    if (m.name == name) return m;
    names += (names.empty() ? "" : ", ") + std::string(m.name);
  }
  throw Error(ExitCode::usage, fmt::format("--metric {}: unknown; use one of {}", name, names));
}

std::string format_metric_value(const Metric& metric, double value) {
  switch (metric.unit) {
    case MetricUnit::fraction: return fmt::format("{:.4f}", value);
    case MetricUnit::seconds: return fmt::format("{:.1f}s", value);
    case MetricUnit::count: return fmt::format("{:.3g}", value);
    case MetricUnit::rate: return fmt::format("{:.0f}", value);
  }
  return fmt::format("{}", value);
}

}  // namespace expt
