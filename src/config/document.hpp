#pragma once
// A config document before it becomes an ExperimentConfig: the YAML tree plus where each node
// came from, so every error can name file:line:col (or the command-line override that set it).
// The steps in order: parse, apply overrides, interpolate, then build (config/load_config.hpp).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace expt::config {

// Bounds on what one document may cost, whatever its size on disk: a few hundred bytes of
// YAML aliases (or `${...}` references) that repeat each other expand exponentially.
struct DocumentLimits {
  // Values (scalars, maps, lists) in the document once aliases and references are expanded.
  static constexpr size_t max_values = 100'000;
  // Nesting depth of maps and lists.
  static constexpr size_t max_depth = 100;
  // Bytes of one scalar after `${...}` references are spliced into it.
  static constexpr size_t max_scalar_bytes = 1 << 20;
  // Bytes spliced into scalars over the whole document.
  static constexpr size_t max_spliced_bytes = 16 << 20;
  // Values visited while resolving references (a reference to a map visits all of it).
  static constexpr size_t max_resolve_visits = 1'000'000;
};

class ConfigDocument {
 public:
  // Throws ConfigError with yaml-cpp's message as "<source>:<line>:<col>: malformed YAML: ...",
  // or naming where the document breaks DocumentLimits.
  static ConfigDocument parse(std::string_view yaml, std::string source_name);

  // `key.path=value`: value is read as YAML (scalar or flow), so `[3, 3]` is a list.
  // Path segments are map keys, list indices (`model.layers.3`, also `model.layers[3]`) or layer
  // names (`model.layers.pool1`). Missing maps on the way are created; unknown keys are reported
  // by the build step like keys in the file, naming the override.
  void apply_override(std::string_view assignment);

  // Replaces every `${dotted.path}` in scalar values by the value at that path of this document.
  // A scalar that is exactly one reference takes the target's value whatever its type;
  // references inside longer text splice in the target's text. Throws ConfigError on a missing
  // target, a cycle, or work and text beyond DocumentLimits.
  void interpolate();

  const YAML::Node& root() const { return root_; }
  const std::string& source_name() const { return source_name_; }
  // "pets.yaml:12:7" (1-based), or "override 'training.epochs=5'" for nodes an override created.
  std::string locate(const YAML::Node& node) const;

 private:
  ConfigDocument(YAML::Node root, std::string source_name) : root_(std::move(root)), source_name_(std::move(source_name)) {}
  void remember_override(const YAML::Node& node, const std::string& assignment);
  // Throws ConfigError when `tree` (the root by default), aliases expanded, breaks
  // DocumentLimits' values or depth; `where` names it in the message instead of its position.
  void check_expanded_size(const YAML::Node& tree, const std::string& where = "") const;

  YAML::Node root_;
  std::string source_name_;
  std::vector<std::pair<YAML::Node, std::string>> override_nodes_;
};

// Splits a dotted path into segments: "model.layers[3].rate" -> {"model", "layers", "3", "rate"}.
std::vector<std::string> split_key_path(std::string_view path);

// The child of a map by key, of a list by 0-based index or by layer name (`name`, or the
// `<type>_<n>` default). An undefined node when there is none.
YAML::Node find_child(const YAML::Node& parent, const std::string& segment);

// The keys of a map or the names (or indices) of a list's entries, for "did you mean".
std::vector<std::string> child_names(const YAML::Node& parent);

// Default layer name: the n-th layer of its type (1-based) is `<type>_<n>`.
std::string default_layer_name(std::string_view type, int n);

}  // namespace expt::config
