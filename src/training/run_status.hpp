#pragma once
// Where a run stands: `running` until the trainer returns, then how it ended. report.json,
// TensorBoard and messages write it by run_status_names.
#include "core/enum_names.hpp"

namespace expt {

enum class RunStatus {
  running,
  completed,      // every epoch done
  stopped_early,  // training.early_stopping ran out of patience: finished, never resumed
  diverged,       // the loss became NaN or Inf
  interrupted,    // Ctrl-C; resumable from the last checkpoint
  failed,         // an error while training or writing outputs
  paused,         // stopped at the epoch a sweep scheduler asked for (ASHA); resumable like interrupted
};

inline constexpr EnumName<RunStatus> run_status_names[] = {
    {"running", RunStatus::running},         {"completed", RunStatus::completed},
    {"diverged", RunStatus::diverged},       {"interrupted", RunStatus::interrupted},
    {"failed", RunStatus::failed},           {"stopped_early", RunStatus::stopped_early},
    {"paused", RunStatus::paused},
};

}  // namespace expt
