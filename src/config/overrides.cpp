// `key.path=value` assignments from the command line (and from sweeps), applied to the YAML
// tree before interpolation and validation so they are checked exactly like the file.
#include <fmt/format.h>

#include "config/document.hpp"
#include "config/nearest.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"

namespace expt::config {

namespace {

std::string join_segments(const std::vector<std::string>& segments, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += (i ? "." : "") + segments[i];
  return out.empty() ? "the top level" : out;
}

}  // namespace

void ConfigDocument::apply_override(std::string_view assignment) {
  const std::string text = quote_value(assignment);  // as messages show it
  const size_t eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw ConfigError(fmt::format("override {}: expected key.path=value, e.g. training.epochs=5", text));
  const std::vector<std::string> segments = split_key_path(assignment.substr(0, eq));
  YAML::Node value;
  try {
    value = YAML::Load(std::string(assignment.substr(eq + 1)));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("override {}: the value is not valid YAML: {}", text, e.msg));
  }
  check_expanded_size(value, "override " + text);

  // YAML::Node's operator= writes through to the tree, so the walk rebinds with reset().
  YAML::Node parent;
  parent.reset(root_);
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& segment = segments[i];
    const bool last = i + 1 == segments.size();
    YAML::Node child = find_child(parent, segment);
    if (!child.IsDefined()) {
      if (!parent.IsMap())
        throw ConfigError(fmt::format("override {}: {} has no entry {}{}", text, join_segments(segments, i),
                                      quote_value(segment), suggestion(segment, child_names(parent))));
      // A new key: the build step reports it if the schema does not know it, naming this override.
      parent[segment] = last ? value : YAML::Node(YAML::NodeType::Map);
      child = find_child(parent, segment);
      for (const auto& kv : parent)
        if (kv.first.Scalar() == segment) remember_override(kv.first, text);
      remember_override(child, text);
    } else if (last) {
      child = value;
      remember_override(child, text);
    } else if (child.IsNull()) {
      child = YAML::Node(YAML::NodeType::Map);  // `training:` left empty in the file
    } else if (!child.IsMap() && !child.IsSequence()) {
      throw ConfigError(fmt::format("override {}: {} is a value, not a map; it has no key {}", text,
                                    join_segments(segments, i + 1), quote_value(segments[i + 1])));
    }
    parent.reset(child);
  }
}

}  // namespace expt::config
