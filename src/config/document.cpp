#include "config/document.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/quote.hpp"

namespace expt::config {

ConfigDocument ConfigDocument::parse(std::string_view yaml, std::string source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}:{}:{}: malformed YAML: {}", source_name, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (!root.IsDefined() || root.IsNull())
    throw ConfigError(fmt::format("{}: the config is empty; expected a map with at least `model`", source_name));
  if (!root.IsMap())
    throw ConfigError(fmt::format("{}:{}:{}: expected a map of keys (name, data, model, training, ...) at the top level",
                                  source_name, root.Mark().line + 1, root.Mark().column + 1));
  ConfigDocument document(std::move(root), std::move(source_name));
  document.check_expanded_size(document.root_);
  return document;
}

void ConfigDocument::check_expanded_size(const YAML::Node& tree, const std::string& where) const {
  // Iterative, so neither an alias bomb's count nor its depth can exhaust the stack.
  std::vector<std::pair<YAML::Node, size_t>> pending{{tree, 1}};
  size_t values = 0;
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (++values > DocumentLimits::max_values)
      throw ConfigError(fmt::format("{}: the document holds more than {} values once its aliases and references are "
                                    "expanded (aliases that repeat each other?); a config must stay below that",
                                    where.empty() ? locate(node) : where, DocumentLimits::max_values));
    if (depth > DocumentLimits::max_depth)
      throw ConfigError(fmt::format("{}: maps and lists are nested more than {} deep",
                                    where.empty() ? locate(node) : where, DocumentLimits::max_depth));
    if (node.IsMap())
      for (const auto& kv : node) pending.emplace_back(kv.second, depth + 1);
    else if (node.IsSequence())
      for (const auto& element : node) pending.emplace_back(element, depth + 1);
  }
}

std::string ConfigDocument::locate(const YAML::Node& node) const {
  for (const auto& [created, assignment] : override_nodes_)
    if (node.is(created)) return fmt::format("override {}", assignment);
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return source_name_;
  return fmt::format("{}:{}:{}", source_name_, mark.line + 1, mark.column + 1);
}

void ConfigDocument::remember_override(const YAML::Node& node, const std::string& assignment) {
  override_nodes_.emplace_back(node, assignment);
  if (node.IsMap())
    for (const auto& kv : node) {
      remember_override(kv.first, assignment);
      remember_override(kv.second, assignment);
    }
  else if (node.IsSequence())
    for (const auto& element : node) remember_override(element, assignment);
}

std::vector<std::string> split_key_path(std::string_view path) {
  std::vector<std::string> segments;
  std::string current;
  bool closed_bracket = false;  // "layers[3]" ends a segment at ']'; a '.' may follow
  for (char c : path) {
    if (c == '.' || c == '[') {
      if (current.empty() && !closed_bracket)
        throw ConfigError(fmt::format("{} is not a key path: empty segment (write a.b.c or a.b[3].c)", quote_value(path)));
      if (!current.empty()) segments.push_back(std::move(current));
      current.clear();
      closed_bracket = false;
    } else if (c == ']') {
      if (current.empty() || !std::all_of(current.begin(), current.end(), [](unsigned char d) { return std::isdigit(d); }))
        throw ConfigError(fmt::format("{} is not a key path: [...] must hold an index", quote_value(path)));
      segments.push_back(std::move(current));
      current.clear();
      closed_bracket = true;
    } else {
      current += c;
    }
  }
  if (current.empty() && !closed_bracket)
    throw ConfigError(fmt::format("{} is not a key path: empty segment (write a.b.c or a.b[3].c)", quote_value(path)));
  if (!current.empty()) segments.push_back(std::move(current));
  return segments;
}

std::string default_layer_name(std::string_view type, int n) { return fmt::format("{}_{}", type, n); }

namespace {

bool is_index(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string scalar_or_empty(const YAML::Node& node) { return node && node.IsScalar() ? node.Scalar() : ""; }

// The name each list entry answers to: its `name`, else `<type>_<n>`, else its index.
std::vector<std::string> entry_names(const YAML::Node& list) {
  std::vector<std::string> names;
  std::vector<std::pair<std::string, int>> per_type;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    std::string type = entry.IsMap() ? scalar_or_empty(entry["type"]) : "";
    std::string name = entry.IsMap() ? scalar_or_empty(entry["name"]) : "";
    int n = 0;
    if (!type.empty()) {
      auto it = std::find_if(per_type.begin(), per_type.end(), [&](const auto& p) { return p.first == type; });
      if (it == per_type.end()) it = per_type.insert(per_type.end(), {type, 0});
      n = ++it->second;
    }
    if (name.empty()) name = type.empty() ? std::to_string(i) : default_layer_name(type, n);
    names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

YAML::Node find_child(const YAML::Node& parent, const std::string& segment) {
  if (parent.IsMap()) {
    for (const auto& kv : parent)
      if (kv.first.IsScalar() && kv.first.Scalar() == segment) return kv.second;
    return YAML::Node(YAML::NodeType::Undefined);
  }
  if (parent.IsSequence()) {
    if (is_index(segment)) {
      size_t index = 0;  // from_chars: an index past size_t's range is simply absent, not an exception
      const auto [end, error] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
      return error == std::errc() && index < parent.size() ? parent[index] : YAML::Node(YAML::NodeType::Undefined);
    }
    const auto names = entry_names(parent);
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == segment) return parent[i];
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::vector<std::string> child_names(const YAML::Node& parent) {
  if (parent.IsSequence()) return entry_names(parent);
  std::vector<std::string> names;
  if (parent.IsMap())
    for (const auto& kv : parent)
      if (kv.first.IsScalar()) names.push_back(kv.first.Scalar());
  return names;
}

}  // namespace expt::config
