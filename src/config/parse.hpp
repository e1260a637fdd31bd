#pragma once
// Internal: turning a checked document into the config structs. Every function throws
// ConfigError naming the key path and file:line:col.
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/document.hpp"
#include "config/experiment_config.hpp"

namespace expt::config {

// Where each layer came from, for errors found after parsing (shapes, `units: classes`).
struct LayerSources {
  std::vector<std::string> locations;      // "file:line:col" of each layer's map
  std::vector<size_t> units_from_classes;  // indices of dense layers written with `units: classes`
  std::string init_from_path;              // "file:line:col" of model.init_from.path, checked after the plan
};

// Everything but the data probe, `units: classes` and the network plan. `default_name` is used
// when the document has no `name`.
ExperimentConfig parse_experiment(const ConfigDocument&, const std::string& default_name, LayerSources&);

std::vector<LayerSpec> parse_layers(const ConfigDocument&, const YAML::Node& list, const std::string& path,
                                    LayerSources&);

// `{kind: {params}}`, a bare kind name, a bare number (constant), or `{constant: value}`.
InitSpec parse_initializer(const ConfigDocument&, const YAML::Node&, const std::string& path);

}  // namespace expt::config
