#pragma once
// Reading an experiment config, in this order: parse the YAML, apply `key.path=value`
// overrides, resolve `${...}` references, check every key against the schema
// (config/schema.hpp), probe the data set for the input shape and class count, resolve
// `units: classes`, and plan the network so shape errors surface here. Every failure is a
// ConfigError naming file:line:col and the key path (a missing data set is a DataError).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/document.hpp"
#include "config/experiment_config.hpp"

namespace expt {

ExperimentConfig load_config(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});

// A run folder's config.yaml, to resume the run: as load_config, except that model.init_from's
// file is not read. The run's checkpoint holds every weight, and the file was checked when the
// run started, so it may have been moved or deleted since.
ExperimentConfig load_run_config(const std::filesystem::path& file);

// `source_name` stands for the file in messages; its stem is the default `name`.
ExperimentConfig load_config_text(std::string_view yaml, const std::string& source_name,
                                  const std::vector<std::string>& overrides = {});

// The steps after overrides and interpolation, for callers that prepare a document themselves
// (a sweep parses the base file, applies each point's overrides, interpolates, then builds).
ExperimentConfig build_config(const config::ConfigDocument& document, const std::string& default_name);

// The resolved document: every key with its value, defaults and `units: classes` filled in.
// load_config_text of it gives the same config; the run folder stores it.
std::string to_yaml(const ExperimentConfig&);

}  // namespace expt
