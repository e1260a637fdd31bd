#pragma once
// Line charts as inline SVG text, for the HTML page of `expt compare`: no scripts, no fonts
// or files from elsewhere, so the page works offline and from a mail attachment.
#include <string>
#include <vector>

namespace expt {

struct ChartSeries {
  std::string color;                     // CSS colour
  std::vector<double> x, y;              // one point per epoch
  std::vector<double> band_low, band_high;  // same length as y for a ±std band, else empty
  bool points_only = false;              // a scatter: a dot per point, no line
};

// x need not be sorted for a scatter (points_only).
std::string svg_line_chart(const std::string& title, const std::string& x_label, const std::vector<ChartSeries>& series);

// Escapes &, <, >, " for text and attribute values.
std::string html_escape(const std::string& text);

}  // namespace expt
