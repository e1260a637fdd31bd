#pragma once
// One Summary.Value per kind of data, each in the form TensorBoard's dashboards read.
#include <string>
#include <string_view>

#include "tb_summary.pb.h"
#include "tensorboard/png_encode.hpp"

namespace expt {

// Scalars dashboard.
tb::Summary::Value scalar_summary(std::string_view tag, double value);
// Histograms and Distributions dashboards.
tb::Summary::Value histogram_summary(std::string_view tag, tb::HistogramProto histogram);
// Images dashboard; the picture is stored as PNG.
tb::Summary::Value image_summary(std::string_view tag, const Image8& image);
// Text dashboard (plugin "text"), which renders `markdown` as Markdown.
tb::Summary::Value text_summary(std::string_view tag, std::string_view markdown);

// Shows `text` verbatim in the Text dashboard: an indented Markdown code block.
std::string as_markdown_code(std::string_view text);

}  // namespace expt
