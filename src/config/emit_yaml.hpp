#pragma once
// Building blocks of the resolved YAML, shared by the writer and by the schema's defaults so
// both spell values the same way.
#include <string>

#include <yaml-cpp/yaml.h>

#include "layers/layer_spec.hpp"

namespace expt::config {

// Shortest text that reads back as the same double and that YAML 1.1 and 1.2 readers both take
// for a number ("0.1", "1.0e-05", "1").
std::string number_text(double);
// `{truncated_normal: {mean: 0, stddev: 0.1}}`, `glorot_uniform`, or a bare number for constants.
YAML::Node init_node(const InitSpec&);
// One-line flow text of a node, as written in the docs' default column.
std::string flow_text(const YAML::Node&);

}  // namespace expt::config
