#include "config/flatten_config.hpp"

#include <charconv>
#include <string>

namespace expt {
namespace {

std::string join_key(const std::string& prefix, const std::string& segment) {
  return prefix.empty() ? segment : prefix + "." + segment;
}

bool all_scalars(const YAML::Node& seq) {
  for (const auto& item : seq)
    if (!item.IsScalar() && !item.IsNull()) return false;
  return true;
}

void flatten_into(const YAML::Node& node, const std::string& prefix, FlatConfig& out) {
  if (node.IsMap() && node.size() > 0) {
    for (const auto& kv : node) flatten_into(kv.second, join_key(prefix, kv.first.Scalar()), out);
  } else if (node.IsSequence() && node.size() > 0 && !all_scalars(node)) {
    // Layers are addressed by name, as in overrides, so inserting a layer does not shift
    // every later layer's keys.
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node item = node[i];
      const bool named = item.IsMap() && item["name"] && item["name"].IsScalar();
      flatten_into(item, join_key(prefix, named ? item["name"].Scalar() : std::to_string(i)), out);
    }
  } else {
    out[prefix] = yaml_flow_text(node);
  }
}

bool parse_number(std::string_view text, double& value) {
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end;
}

}  // namespace

std::string yaml_flow_text(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (!node.IsDefined() || node.IsNull()) return "null";
  YAML::Emitter emitter;
  emitter.SetMapFormat(YAML::Flow);
  emitter.SetSeqFormat(YAML::Flow);
  emitter << node;
  return emitter.c_str();
}

FlatConfig flatten_config(const YAML::Node& root) {
  FlatConfig out;
  flatten_into(root, "", out);
  return out;
}

FlatConfig flatten_config_text(std::string_view yaml) { return flatten_config(YAML::Load(std::string(yaml))); }

bool same_value(std::string_view a, std::string_view b) {
  if (a == b) return true;
  double x = 0, y = 0;
  return parse_number(a, x) && parse_number(b, y) && x == y;
}

}  // namespace expt
