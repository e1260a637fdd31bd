#include "compare/search_charts.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <optional>
#include <set>

#include <fmt/format.h>


namespace expt {
namespace {

constexpr const char* kColor = "#4e79a7";

std::optional<double> number(const std::string& text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

ChartSeries best_so_far(const Comparison& c) {
  const Metric& metric = *c.sort_metric;
  std::vector<size_t> order(c.runs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // ISO 8601 UTC times sort as text; a run still going has none and comes last.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& x = c.runs[a].report.finished_at;
    const auto& y = c.runs[b].report.finished_at;
    return x.empty() != y.empty() ? y.empty() : x < y;
  });
  ChartSeries series;
  series.color = kColor;
  double epochs = 0;
  std::optional<double> best;
  for (size_t i : order) {
    const Report& report = c.runs[i].report;
    epochs += static_cast<double>(report.epochs.size());
    if (report.status != RunStatus::diverged && !report.epochs.empty()) {
      const double value = metric.of(report);
      if (std::isfinite(value) && (!best || (metric.higher_is_better ? value > *best : value < *best))) best = value;
    }
    if (!best) continue;
    series.x.push_back(epochs);
    series.y.push_back(*best);
  }
  return series;
}

std::string best_so_far_chart(const Comparison& c) {
  if (c.runs.size() < 2) return "";
  return svg_line_chart(fmt::format("Best {} so far", c.sort_metric->name), "epochs trained, all runs, in finishing order",
                        {best_so_far(c)});
}

std::string numeric_key_charts(const Comparison& c) {
  std::string html;
  for (const auto& key : c.run_keys) {
    if (key == "seed") continue;
    ChartSeries series;
    series.color = kColor;
    series.points_only = true;
    std::set<double> distinct;
    bool numeric = true;
    for (size_t i = 0; i < c.runs.size() && numeric; ++i) {
      const auto value = number(c.value(i, key));
      numeric = value.has_value();
      if (!numeric || c.runs[i].report.status == RunStatus::diverged || c.runs[i].report.epochs.empty()) continue;
      distinct.insert(*value);
      series.x.push_back(*value);
      series.y.push_back(c.sort_metric->of(c.runs[i].report));
    }
    if (!numeric || distinct.size() <= 3) continue;
    html += svg_line_chart(fmt::format("{} by {}", c.sort_metric->name, key), key, {series});
  }
  return html;
}

}  // namespace expt
