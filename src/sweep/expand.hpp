#pragma once
// From a sweep file to its members: every grid point (or random trial) times every run seed,
// each a fully loaded and checked run config with a stable id.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "config/experiment_config.hpp"
#include "sweep/sweep_spec.hpp"

namespace expt {

using ParameterValues = std::vector<std::pair<std::string, std::string>>;  // key, YAML text; in file order

struct SweepMember {
  std::string id;              // hex FNV-1a 64 of config.resolved_yaml: same config, same id
  ParameterValues parameters;  // the swept keys, then `seed` when the sweep repeats runs
  ExperimentConfig config;
};

struct SweepPlan {
  std::string name;
  std::filesystem::path dir;         // <results_dir>/<name>
  std::vector<std::string> parameter_keys;
  std::vector<SweepMember> members;  // in grid order: the last parameter varies fastest, seeds innermost
  size_t duplicates = 0;             // points that resolved to an earlier member's config
  AshaSpec scheduler;                // the sweep file's `scheduler:`, when it has one
};

// Every member's config is loaded (and so checked) here, before anything runs. Overrides apply
// in this order: name=<sweep name>, the file's `overrides:`, `extra_overrides` (the command
// line), the member's parameters, its seed. Throws ConfigError/DataError naming the member.
SweepPlan expand_sweep(const SweepSpec& spec, const std::vector<std::string>& extra_overrides);

// The points before configs are loaded: each a list of (key, value) overrides. Random draws are
// a pure function of (sample_seed, trial, parameter index), so adding trials keeps the old ones.
std::vector<ParameterValues> sweep_points(const SweepSpec& spec);

// "training.dropout=false, seed=2"
std::string describe(const ParameterValues& values);

}  // namespace expt
