// The plain outputs: an aligned table for the terminal, Markdown for notes and pull requests,
// CSV for spreadsheets.
#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "compare/render.hpp"
#include "compare/render_common.hpp"
#include "compare/svg_chart.hpp"

namespace expt {
namespace {

// Display width: UTF-8 continuation bytes take no column ("±" is one column, two bytes).
size_t display_width(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
}

std::string pad(const std::string& s, size_t width, bool right) {
  const std::string fill(width - std::min(width, display_width(s)), ' ');
  return right ? fill + s : s + fill;
}

std::string as_is(const std::string& s) { return s; }

// Markdown passes inline HTML through and turns brackets into links, so config values are
// escaped as the HTML page escapes them (entities), plus the characters Markdown acts on; a
// newline would end the table row.
std::string markdown_text(const std::string& s) {
  std::string out;
  for (char ch : html_escape(s)) {
    if (ch == '\n' || ch == '\r') ch = ' ';
    if (std::string_view("\\`*[]|").find(ch) != std::string_view::npos) out += '\\';
    out += ch;
  }
  return out;
}

std::vector<std::vector<std::string>> table_rows(const Comparison& c) {
  std::vector<std::vector<std::string>> rows{render::header(c)};
  for (const auto& g : c.groups) rows.push_back(render::row(g));
  return rows;
}

// Lines "  metric: value, CI ... -> verdict" under each compared pair, then the groups that are
// not compared because every run diverged.
std::string difference_lines(const Comparison& c, const std::string& item_prefix, const std::string& line_prefix,
                             std::string (*text)(const std::string&)) {
  std::string out;
  for (const auto& d : c.differences) {
    out += item_prefix + text(render::title(c, d)) + "\n";
    for (const auto& m : d.metrics) {
      const std::string interval = render::interval(c, m);
      out += fmt::format("{}{}: {}{}{}\n", line_prefix, m.metric->name, interval, interval.empty() ? "" : " -> ",
                         text(render::verdict(c, d, m)));
    }
  }
  if (c.differences_left_out > 0)
    out += fmt::format("{}... and {} more pairs that differ in one key (narrow with --filter or --group-by)\n",
                       item_prefix, c.differences_left_out);
  for (const auto& note : render::diverged_notes(c)) out += item_prefix + text(note) + "\n";
  return out;
}

std::string after_blank_line(const std::string& text) { return text.empty() ? "" : "\n" + text; }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char ch : s) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return quoted + "\"";
}

}  // namespace

std::string render_text_table(const Comparison& c) {
  if (c.runs.empty()) return "no runs to compare\n";
  const auto rows = table_rows(c);
  std::vector<size_t> widths(rows.front().size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], display_width(r[i]));
  const size_t first_number = c.keys.size(), status = rows.front().size() - 1;
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      const bool right = i >= first_number && i < status;
      line += (i ? "  " : "") + (i + 1 == r.size() ? r[i] : pad(r[i], widths[i], right));
    }
    out += line + "\n";
  }
  out += fmt::format("\n{}\n", render::footnote(c));
  out += after_blank_line(difference_lines(c, "", "  ", as_is));
  return out;
}

std::string render_markdown(const Comparison& c) {
  if (c.runs.empty()) return "No runs to compare.\n";
  const auto rows = table_rows(c);
  auto line = [](const std::vector<std::string>& cells) {
    std::string out = "|";
    // Appended piece by piece: `" " + markdown_text(cell)` trips GCC 12's -Wrestrict (bug 105329).
    for (const auto& cell : cells) out.append(" ").append(markdown_text(cell)).append(" |");
    return out + "\n";
  };
  std::string out = line(rows.front());
  std::string rule = "|";
  for (size_t i = 0; i < rows.front().size(); ++i) rule += i >= c.keys.size() && i + 1 < rows.front().size() ? " ---: |" : " --- |";
  out += rule + "\n";
  for (size_t i = 1; i < rows.size(); ++i) out += line(rows[i]);
  out += fmt::format("\n{}\n", render::footnote(c));
  out += after_blank_line(difference_lines(c, "- ", "  - ", markdown_text));
  return out;
}

std::string render_csv(const Comparison& c) {
  std::vector<std::string> header = c.keys;
  header.push_back("n");
  for (const Metric& m : all_metrics()) {
    header.push_back(std::string(m.name) + "_mean");
    header.push_back(std::string(m.name) + "_std");
  }
  header.push_back("status");
  auto line = [](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) out += fmt::format("{}{}", i ? "," : "", csv_field(cells[i]));
    return out + "\n";
  };
  std::string out = line(header);
  for (const auto& g : c.groups) {
    std::vector<std::string> cells = g.values;
    cells.push_back(std::to_string(g.counted.size()));
    for (const auto& s : g.metrics) {  // empty for a group whose every run diverged
      cells.push_back(g.diverged ? "" : fmt::format("{}", s.mean));
      cells.push_back(g.diverged ? "" : fmt::format("{}", s.std));
    }
    cells.push_back(g.status);
    out += line(cells);
  }
  return out;
}

}  // namespace expt
