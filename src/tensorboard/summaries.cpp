#include "tensorboard/summaries.hpp"

namespace expt {

tb::Summary::Value scalar_summary(std::string_view tag, double value) {
  tb::Summary::Value v;
  v.set_tag(std::string(tag));
  v.set_simple_value(static_cast<float>(value));
  return v;
}

tb::Summary::Value histogram_summary(std::string_view tag, tb::HistogramProto histogram) {
  tb::Summary::Value v;
  v.set_tag(std::string(tag));
  *v.mutable_histo() = std::move(histogram);
  return v;
}

tb::Summary::Value image_summary(std::string_view tag, const Image8& image) {
  tb::Summary::Value v;
  v.set_tag(std::string(tag));
  auto* img = v.mutable_image();
  img->set_height(static_cast<int32_t>(image.height));
  img->set_width(static_cast<int32_t>(image.width));
  img->set_colorspace(static_cast<int32_t>(image.channels));
  img->set_encoded_image_string(encode_png(image));
  return v;
}

tb::Summary::Value text_summary(std::string_view tag, std::string_view markdown) {
  tb::Summary::Value v;
  v.set_tag(std::string(tag));
  // The text plugin's own content (TextPluginData, version 0) serializes to no bytes.
  v.mutable_metadata()->mutable_plugin_data()->set_plugin_name("text");
  auto* tensor = v.mutable_tensor();
  tensor->set_dtype(tb::DT_STRING);
  tensor->add_string_val(std::string(markdown));
  return v;
}

std::string as_markdown_code(std::string_view text) {
  std::string out = "    ";
  for (const char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
  return out;
}

}  // namespace expt
