#include "compare/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace expt {
namespace {

constexpr double kWidth = 540, kHeight = 300;
constexpr double kLeft = 60, kRight = 14, kTop = 30, kBottom = 42;
constexpr int kMaxTicks = 12;  // nice_step aims at 5 and 8 intervals

// A step of 1, 2 or 5 times a power of ten giving about `target` intervals over `range`.
double nice_step(double range, int target) {
  const double raw = range / target;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double scaled = raw / power;
  return (scaled < 1.5 ? 1 : scaled < 3.5 ? 2 : scaled < 7.5 ? 5 : 10) * power;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

std::string tick_label(double value, double step) {
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return fmt::format("{:.{}f}", std::fabs(value) < step * 1e-6 ? 0.0 : value, decimals);
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string svg_line_chart(const std::string& title, const std::string& x_label, const std::vector<ChartSeries>& series) {
  Range xr, yr;
  for (const auto& s : series) {
    for (double v : s.x) xr.add(v);
    for (double v : s.y) yr.add(v);
    for (double v : s.band_low) yr.add(v);
    for (double v : s.band_high) yr.add(v);
  }
  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" role="img">)"
      R"(<rect width="{0}" height="{1}" fill="#fff"/>)"
      R"(<text x="{2}" y="18" font-size="14" font-weight="bold" fill="#222">{3}</text>)",
      kWidth, kHeight, kLeft, html_escape(title));
  if (xr.empty() || yr.empty()) return svg + R"(<text x="200" y="150" fill="#888">no finite values</text></svg>)";
  if (xr.hi == xr.lo) xr.lo -= 1, xr.hi += 1;
  if (yr.hi - yr.lo < 1e-9) yr.lo -= 0.5, yr.hi += 0.5;
  const double y_pad = (yr.hi - yr.lo) * 0.05;
  yr.lo -= y_pad, yr.hi += y_pad;

  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - xr.lo) / (xr.hi - xr.lo) * plot_w; };
  auto py = [&](double y) { return kTop + (yr.hi - y) / (yr.hi - yr.lo) * plot_h; };

  const double y_step = nice_step(yr.hi - yr.lo, 5);
  // Tick counts are bounded: past 2^53, ++i no longer changes a double.
  int ticks = 0;
  for (double i = std::ceil(yr.lo / y_step); i * y_step <= yr.hi && ticks < kMaxTicks; ++i, ++ticks) {
    const double y = i * y_step;
    svg += fmt::format(R"(<line x1="{0:.1f}" x2="{1:.1f}" y1="{2:.1f}" y2="{2:.1f}" stroke="#e4e4e4"/>)"
                       R"(<text x="{3:.1f}" y="{4:.1f}" font-size="11" text-anchor="end" fill="#555">{5}</text>)",
                       kLeft, kWidth - kRight, py(y), kLeft - 6, py(y) + 4, tick_label(y, y_step));
  }
  const double x_step = std::max(1.0, nice_step(xr.hi - xr.lo, 8));
  ticks = 0;
  for (double i = std::ceil(xr.lo / x_step); i * x_step <= xr.hi && ticks < kMaxTicks; ++i, ++ticks) {
    const double x = i * x_step;
    svg += fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" stroke="#f0f0f0"/>)"
                       R"(<text x="{0:.1f}" y="{3:.1f}" font-size="11" text-anchor="middle" fill="#555">{4}</text>)",
                       px(x), kTop, kTop + plot_h, kTop + plot_h + 16, tick_label(x, x_step));
  }
  svg += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#999"/>)", kLeft, kTop, plot_w, plot_h);
  svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="12" text-anchor="middle" fill="#333">{}</text>)",
                     kLeft + plot_w / 2, kHeight - 8, html_escape(x_label));

  for (const auto& s : series) {
    if (s.band_low.size() == s.y.size() && !s.y.empty()) {
      std::string points;
      for (size_t i = 0; i < s.x.size(); ++i) points += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.band_high[i]));
      for (size_t i = s.x.size(); i-- > 0;) points += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.band_low[i]));
      svg += fmt::format(R"(<polygon points="{}" fill="{}" fill-opacity="0.18" stroke="none"/>)", points, s.color);
    }
    std::string points;
    for (size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.y[i])) points += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.y[i]));
    if (!s.points_only)
      svg += fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>)", points, s.color);
    if (s.x.size() <= 40 || s.points_only)
      for (size_t i = 0; i < s.x.size(); ++i)
        if (std::isfinite(s.y[i]))
          svg += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="{}"/>)", px(s.x[i]), py(s.y[i]), s.color);
  }
  return svg + "</svg>";
}

}  // namespace expt
