#include "compare/render_common.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace expt::render {

std::vector<std::string> header(const Comparison& c) {
  std::vector<std::string> out = c.keys;
  out.push_back("n");
  for (const Metric& m : all_metrics()) out.emplace_back(m.label);
  out.push_back("status");
  return out;
}

std::vector<std::string> row(const RunGroup& group) {
  std::vector<std::string> out = group.values;
  out.push_back(std::to_string(group.counted.size()));
  const auto metrics = all_metrics();
  for (size_t i = 0; i < metrics.size(); ++i) {
    const MetricSummary& s = group.metrics[i];
    if (group.diverged) {
      out.emplace_back("diverged");
      continue;
    }
    std::string cell = format_metric_value(metrics[i], s.mean);
    if (s.values.size() > 1) cell += " ± " + format_metric_value(metrics[i], s.std);
    out.push_back(std::move(cell));
  }
  out.push_back(group.status);
  return out;
}

std::string signed_value(const Metric& metric, double value) {
  const std::string text = format_metric_value(metric, std::fabs(value));
  return (value < 0 ? "-" : "+") + text;
}

std::string title(const Comparison& c, const GroupDifference& d) {
  const RunGroup& a = c.groups[d.better];
  const RunGroup& b = c.groups[d.worse];
  if (d.key.empty()) return fmt::format("{} vs {}", c.label(a), c.label(b));
  const size_t k = static_cast<size_t>(std::find(c.keys.begin(), c.keys.end(), d.key) - c.keys.begin());
  std::string out = fmt::format("{}={} vs {}", d.key, a.values[k], b.values[k]);
  const std::string context = c.context(d);
  if (!context.empty()) out += fmt::format(" (with {})", context);
  return out + fmt::format(", n={} vs {}", a.counted.size(), b.counted.size());
}

std::string interval(const Comparison& c, const MetricDifference& m) {
  if (!m.welch) return "";
  const WelchResult& w = *m.welch;
  return fmt::format("{}, {:.0f}% CI [{}, {}] (Welch t={:.2f}, df={:.1f}, p={:.2g})", signed_value(*m.metric, w.difference),
                     c.confidence * 100, signed_value(*m.metric, w.low), signed_value(*m.metric, w.high), w.t, w.df,
                     w.p_value);
}

std::string verdict(const Comparison& c, const GroupDifference& d, const MetricDifference& m) {
  if (!m.welch)
    return fmt::format("no interval: each side needs at least 2 runs, here {} and {} (add `repeats:` to the sweep)",
                       c.groups[d.better].counted.size(), c.groups[d.worse].counted.size());
  return m.welch->low > 0 || m.welch->high < 0 ? "real: the interval excludes 0" : "could be noise: the interval includes 0";
}

std::vector<std::string> diverged_notes(const Comparison& c) {
  std::vector<std::string> out;
  for (const auto& g : c.groups)
    if (g.diverged) out.push_back(fmt::format("{}: every run diverged, so it is not compared", c.label(g)));
  return out;
}

std::string footnote(const Comparison& c) {
  return fmt::format(
      "{} runs in {} groups, best first by {}. Runs that differ only by seed form a group: mean ± sample std over its "
      "n finished runs (completed or stopped early). Differences: the first group minus the second, {:.0f}% "
      "confidence interval from Welch's t-test.",
      c.runs.size(), c.groups.size(), c.sort_metric->name, c.confidence * 100);
}

}  // namespace expt::render
