#pragma once
// The outputs of `expt compare`: an aligned text table, Markdown, CSV, JSON and one
// self-contained HTML page with learning curves.
#include <string>
#include <string_view>

#include "compare/comparison.hpp"

namespace expt {

enum class CompareFormat { table, markdown, csv, json, html };

CompareFormat parse_compare_format(std::string_view name);  // throws expt::Error (usage)

std::string render_comparison(const Comparison& comparison, CompareFormat format);

std::string render_text_table(const Comparison& comparison);
std::string render_markdown(const Comparison& comparison);
std::string render_csv(const Comparison& comparison);
std::string render_json(const Comparison& comparison);
std::string render_html(const Comparison& comparison);

}  // namespace expt
