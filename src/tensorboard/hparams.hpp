#pragma once
// The HParams dashboard. Each run is a "session": its `<run_dir>/tensorboard` folder gets a
// session-start summary with every scalar of the resolved config as a hyperparameter (a sweep
// member: only the keys the sweep varies) and, when the run ends, a session-end summary with its
// status. The metrics of a session are scalars in the session folder or its train/ and test/
// subfolders. A sweep writes one experiment summary at its root naming the hyperparameters it
// varied and the metrics to compare, so TensorBoard started on the sweep root shows all its runs
// side by side, with those keys as columns.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tb_summary.pb.h"
#include "training/run_status.hpp"

namespace expt {

using HParamValue = std::variant<bool, double, std::string>;

// Every scalar of a YAML document under its dotted path ("training.optimizer.learning_rate";
// sequence items by index, "model.layers.0.filters"). true/false become bools, numbers
// doubles, everything else strings; nulls are left out. Throws ConfigError on invalid YAML.
std::map<std::string, HParamValue> flatten_hparams(std::string_view yaml);
// One value as flatten_config writes it (YAML text): true/false a bool, a number a double, else
// the text itself.
HParamValue hparam_value(const std::string& text);

tb::Summary::Value session_start_summary(const std::map<std::string, HParamValue>& hparams, double start_time_secs);
// completed and stopped_early -> success, anything else -> failure.
tb::Summary::Value session_end_summary(RunStatus status, double end_time_secs);

// The metrics every session records in its own folder (tensorboard_observer writes them
// after each epoch), which a sweep's experiment summary names.
inline constexpr const char* kFinalTestAccuracyTag = "run/final_test_accuracy";
inline constexpr const char* kBestTestAccuracyTag = "run/best_test_accuracy";
inline constexpr const char* kTrainTestGapTag = "run/train_test_gap";   // train - test accuracy, last epoch

struct SweepHParam {
  std::string name;                  // dotted config key, as flatten_hparams names it
  std::vector<HParamValue> values;   // the values the sweep tries, all of one type
};

// Writes the experiment summary to `<sweep_root>/events.out.tfevents.sweep-hparams`, atomically,
// replacing an earlier one (TensorBoard would show every summary it finds). Throws IoError, and
// Error when a hyperparameter mixes value types.
void write_sweep_hparams(const std::filesystem::path& sweep_root, const std::vector<SweepHParam>& hparams,
                         std::string_view description);

}  // namespace expt
