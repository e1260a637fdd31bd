#pragma once
// What the trainer tells the outside world while it runs. Console progress, the report's
// history and TensorBoard logs are observers; the trainer knows none of them by name.
#include <cstdint>
#include <filesystem>
#include <string>

#include "backends/backend.hpp"
#include "config/experiment_config.hpp"
#include "data/dataset.hpp"
#include "training/run_status.hpp"

namespace expt {

struct RunContext {
  const ExperimentConfig* config = nullptr;
  const NetworkPlan* plan = nullptr;
  const Dataset* data = nullptr;
  std::filesystem::path run_dir;   // results/<name>/<run-id>
  std::string backend_name;
  std::string device;
  int64_t steps_per_epoch = 0;
  uint64_t first_step = 0;         // > 0 when resumed
};

// Every `training.log_every_steps` steps.
struct StepLog {
  uint64_t step = 0;               // optimizer updates done so far
  int64_t epoch = 0;               // 0-based epoch the step belongs to
  double learning_rate = 0;
  BatchMetrics train;              // the batch just trained on (forward before the update)
  BatchMetrics test;               // one random test batch, dropout off (as the seed did)
  double step_ms = 0;              // mean over the steps since the last log
  double images_per_second = 0;
};

struct EpochLog {
  int64_t epoch = 0;               // 0-based
  uint64_t step = 0;
  double learning_rate = 0;        // at the epoch's last step
  BatchMetrics train;              // accumulated over the epoch's training batches (dropout on)
  BatchMetrics test;               // the whole test set, dropout off
  double seconds = 0;              // wall time of the epoch, evaluation included
  double eval_seconds = 0;         // of which evaluating the test set
  double images_per_second = 0;    // training images / training time
  bool new_best = false;           // the best epoch so far (training/best_epoch.hpp)
  bool last = false;               // the run trains no further epoch: all done, or stopping early
};

struct RunEnd {
  RunStatus status = RunStatus::completed;  // never `running`
  std::string message;             // why, when not completed
  uint64_t step = 0;
};

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void on_start(const RunContext&, Network&) {}
  virtual void on_log(const StepLog&, Network&) {}
  virtual void on_epoch(const EpochLog&, Network&) {}
  // Called on every exit path (completed, stopped early, diverged, Ctrl-C, error) before the run returns.
  virtual void on_end(const RunEnd&, Network&) {}
};

}  // namespace expt
