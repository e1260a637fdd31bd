#pragma once
// A sweep file: which runs a sweep is made of (docs/sweep.md).
//
//   name: fashion_grid                 # default: the file's stem; results/<name>/ holds the sweep
//   base: fashion_dropout.yaml         # a run config relative to this file, or an inline mapping
//   overrides: {training.epochs: 6}    # applied to every member before the parameters
//   parameters:
//     training.dropout: [true, false]                          # a grid axis
//     training.optimizer.learning_rate: {log_uniform: [1.0e-4, 1.0e-2]}  # a random-search draw
//     training.batch_size: {int_uniform: [16, 64]}
//   search: random                     # default grid; random draws `trials` points
//   trials: 8                          # random search: draws per distribution; lists stay grid axes
//   sample_seed: 0                     # seeds the random-search draws
//   scheduler: {type: asha, min_epochs: 1, max_epochs: 9, reduction_factor: 3, metric: test_accuracy}
//   repeats: 3                         # or seed: [1, 2, 3]: every point once per run seed
//   launcher: {slurm: {account: lab, mem: 8G}}   # sbatch options for --launcher slurm
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace expt {

struct SweepParameter {
  enum class Kind { list, choice, uniform, log_uniform, int_uniform };
  std::string key;                  // dotted config key, as in overrides
  std::string where;                // file:line:col of its entry, for errors found when members load
  Kind kind = Kind::list;
  std::vector<std::string> values;  // list and choice: each value as YAML flow text
  double low = 0, high = 0;         // uniform, log_uniform and int_uniform (both ends included for int_uniform)
};

// Asynchronous successive halving (asha.hpp): members train to rungs of min_epochs * rf^k epochs
// up to max_epochs, and only the best 1/rf at a rung go on.
struct AshaSpec {
  int64_t min_epochs = 0, max_epochs = 0, reduction_factor = 0;  // min_epochs == 0: no scheduler
  std::string metric = "test_accuracy";                          // or test_loss (lower is better)
  bool enabled() const { return min_epochs > 0; }
};

struct SweepSpec {
  std::filesystem::path file;
  std::string name;
  std::string base_yaml;    // the run config's text
  std::string base_source;  // its file, or "<sweep file> (base)" for an inline mapping
  std::vector<std::string> overrides;  // key=value, from `overrides:`
  std::vector<SweepParameter> parameters;
  int64_t trials = 0;       // > 0: random search (`search: random`)
  uint64_t sample_seed = 0;
  std::vector<uint64_t> seeds;  // `seed:` list
  int64_t repeats = 0;          // seeds base seed, +1, ..., +repeats-1
  AshaSpec scheduler;
  std::vector<std::string> sbatch_options;  // `launcher: {slurm: {...}}` as KEY=VALUE or KEY (a `true` flag)
};

// Throws ConfigError naming file:line:col and the key.
SweepSpec read_sweep_file(const std::filesystem::path& file);
SweepSpec parse_sweep_text(std::string_view yaml, const std::filesystem::path& file);

}  // namespace expt
