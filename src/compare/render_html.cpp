// One self-contained HTML page: results table, the differences with their intervals, learning
// curves as inline SVG (one line per group, ±std band when it has several runs) and the config
// values that differ between runs. No scripts and nothing loaded from elsewhere.
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "compare/render.hpp"
#include "compare/render_common.hpp"
#include "compare/search_charts.hpp"
#include "compare/svg_chart.hpp"
#include "core/error.hpp"

namespace expt {
namespace {

// Tableau 10: distinguishable, and still readable in grey print.
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

const char* color_of(size_t group) { return kPalette[group % std::size(kPalette)]; }

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:20px;color:#222}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:12px} th,td{border:1px solid #ddd;padding:3px 6px;text-align:left}
th{background:#f5f5f5;max-width:150px;overflow-wrap:anywhere} td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{color:#555;font-size:13px} .charts{display:flex;flex-wrap:wrap;gap:12px}
.legend span{display:inline-block;margin:2px 14px 2px 0;font-size:13px}
.swatch{display:inline-block;width:14px;height:4px;margin-right:6px;vertical-align:middle}
ul.diff{font-size:14px} ul.diff li{margin-bottom:8px} .real{color:#1a7f37;font-weight:600} .noise{color:#9a6700}
)";

using EpochValue = double (*)(const EpochRecord&);

// Mean and ±std per epoch over the group's counted runs; epochs where no run has a finite value
// are left out. Accuracy bands stop at [0, 1], where accuracies do.
ChartSeries curve(const Comparison& c, const RunGroup& g, EpochValue value, bool accuracy, const char* color) {
  ChartSeries s;
  s.color = color;
  // The epochs the reports hold, not 1..the largest: a report may claim epoch 10^12.
  std::set<int64_t> epochs;
  for (size_t i : g.counted)
    for (const auto& e : c.runs[i].report.epochs) epochs.insert(e.epoch);
  for (const int64_t epoch : epochs) {
    std::vector<double> values;
    for (size_t i : g.counted)
      for (const auto& e : c.runs[i].report.epochs)
        if (e.epoch == epoch && std::isfinite(value(e))) values.push_back(value(e));
    if (values.empty()) continue;
    const double m = mean(values), sd = sample_std(values);
    s.x.push_back(static_cast<double>(epoch));
    s.y.push_back(m);
    s.band_low.push_back(accuracy ? std::max(0.0, m - sd) : m - sd);
    s.band_high.push_back(accuracy ? std::min(1.0, m + sd) : m + sd);
  }
  if (g.counted.size() < 2) s.band_low.clear(), s.band_high.clear();
  return s;
}

std::string results_table(const Comparison& c) {
  std::string html = "<table><tr><th></th>";
  for (const auto& h : render::header(c)) html += "<th>" + html_escape(h) + "</th>";
  html += "</tr>";
  for (size_t gi = 0; gi < c.groups.size(); ++gi) {
    html += fmt::format(R"(<tr><td><span class="swatch" style="background:{}"></span></td>)", color_of(gi));
    const auto cells = render::row(c.groups[gi]);
    for (size_t i = 0; i < cells.size(); ++i) {
      const bool number = i >= c.keys.size() && i + 1 < cells.size();
      html += fmt::format("<td{}>{}</td>", number ? R"( class="num")" : "", html_escape(cells[i]));
    }
    html += "</tr>";
  }
  return html + "</table>";
}

std::string differences_list(const Comparison& c) {
  std::string notes;
  for (const auto& note : render::diverged_notes(c)) notes += R"(<p class="note">)" + html_escape(note) + "</p>";
  if (c.differences.empty())
    return notes + R"(<p class="note">Nothing to set side by side: the runs form one group, or no two groups differ )"
                   R"(in exactly one key.</p>)";
  std::string html = notes + R"(<ul class="diff">)";
  for (const auto& d : c.differences) {
    html += "<li><b>" + html_escape(render::title(c, d)) + "</b><ul>";
    for (const auto& m : d.metrics) {
      const std::string verdict = render::verdict(c, d, m);
      const bool real = m.welch && (m.welch->low > 0 || m.welch->high < 0);
      html += fmt::format(R"(<li>{}: {} <span class="{}">{}</span></li>)", html_escape(std::string(m.metric->name)),
                          html_escape(render::interval(c, m)), real ? "real" : "noise", html_escape(verdict));
    }
    html += "</ul></li>";
  }
  if (c.differences_left_out > 0)
    html += fmt::format("<li>... and {} more pairs that differ in one key</li>", c.differences_left_out);
  return html + "</ul>";
}

std::string learning_curves(const Comparison& c) {
  struct Panel {
    const char* title;
    bool accuracy;
    EpochValue value;
  };
  const Panel panels[] = {
      {"Train accuracy", true, [](const EpochRecord& e) { return e.train_accuracy; }},
      {"Test accuracy", true, [](const EpochRecord& e) { return e.test_accuracy; }},
      {"Train loss", false, [](const EpochRecord& e) { return e.train_loss; }},
      {"Test loss", false, [](const EpochRecord& e) { return e.test_loss; }},
  };
  std::string html = R"(<div class="legend">)";
  for (size_t gi = 0; gi < c.groups.size(); ++gi)
    html += fmt::format(R"(<span><span class="swatch" style="background:{}"></span>{} (n={})</span>)", color_of(gi),
                        html_escape(c.label(c.groups[gi])), c.groups[gi].counted.size());
  html += R"(</div><div class="charts">)";
  for (const auto& panel : panels) {
    std::vector<ChartSeries> series;
    for (size_t gi = 0; gi < c.groups.size(); ++gi) series.push_back(curve(c, c.groups[gi], panel.value, panel.accuracy, color_of(gi)));
    html += svg_line_chart(panel.title, "epoch", series);
  }
  return html + "</div>";
}

std::string config_differences(const Comparison& c) {
  if (c.run_keys.empty()) return R"(<p class="note">All runs have the same config.</p>)";
  std::string html = "<table><tr><th>run</th><th>status</th>";
  for (const auto& key : c.run_keys) html += "<th>" + html_escape(key) + "</th>";
  html += "</tr>";
  for (size_t i = 0; i < c.runs.size(); ++i) {
    html += fmt::format("<tr><td>{}</td><td>{}</td>", html_escape(c.runs[i].dir.string()),
                        c.runs[i].status());
    for (const auto& key : c.run_keys) html += "<td>" + html_escape(c.value(i, key)) + "</td>";
    html += "</tr>";
  }
  return html + "</table>";
}

}  // namespace

std::string render_html(const Comparison& c) {
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>expt compare</title>"
      "<style>{}</style></head><body>\n<h1>expt compare</h1>\n",
      kStyle);
  if (c.runs.empty()) return html + "<p>No runs to compare.</p></body></html>\n";
  html += "<p class=\"note\">" + html_escape(render::footnote(c)) + "</p>\n";
  html += "<h2>Results</h2>\n" + results_table(c) + "\n";
  html += fmt::format("<h2>Did it help? ({:.0f}% confidence intervals)</h2>\n", c.confidence * 100) + differences_list(c) + "\n";
  html += "<h2>Learning curves</h2>\n" + learning_curves(c) + "\n";
  if (const std::string best = best_so_far_chart(c); !best.empty())
    html += "<h2>Search progress</h2>\n<div class=\"charts\">" + best + numeric_key_charts(c) + "</div>\n";
  html += "<h2>Config differences between runs</h2>\n" + config_differences(c) + "\n";
  return html + "</body></html>\n";
}

std::string render_comparison(const Comparison& c, CompareFormat format) {
  switch (format) {
    case CompareFormat::table: return render_text_table(c);
    case CompareFormat::markdown: return render_markdown(c);
    case CompareFormat::csv: return render_csv(c);
    case CompareFormat::json: return render_json(c);
    case CompareFormat::html: return render_html(c);
  }
  return {};
}

CompareFormat parse_compare_format(std::string_view name) {
  if (name == "table") return CompareFormat::table;
  if (name == "markdown") return CompareFormat::markdown;
  if (name == "csv") return CompareFormat::csv;
  if (name == "json") return CompareFormat::json;
  if (name == "html") return CompareFormat::html;
  throw Error(ExitCode::usage, fmt::format("--format {}: use table, markdown, csv, json or html", name));
}

}  // namespace expt
