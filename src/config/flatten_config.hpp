#pragma once
// A run's config.yaml as dotted keys, so two runs can be diffed key by key and a sweep can name
// what changed. Keys follow the override syntax: `training.optimizer.learning_rate`, and list
// entries that have a `name` by that name (`model.layers.drop1.rate`), others by index.
#include <map>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace expt {

using FlatConfig = std::map<std::string, std::string>;

FlatConfig flatten_config(const YAML::Node& root);
FlatConfig flatten_config_text(std::string_view yaml);  // throws YAML::Exception

// One value as YAML flow text: `0.001`, `true`, `[28, 28]`, `{a: 1}`.
std::string yaml_flow_text(const YAML::Node& node);

// Equal as text, or as numbers (`1e-3` and `0.001` are the same learning rate).
bool same_value(std::string_view a, std::string_view b);

}  // namespace expt
