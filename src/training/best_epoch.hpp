#pragma once
// Which epoch is the run's best so far, and how long ago it was. The metric and min_delta are
// `training.early_stopping`'s when it is on, else test accuracy with any improvement counting.
// Both the trainer (to stop early) and the run folder (best.safetensors, and on resume from the
// report's history) follow it, so they always agree on the best epoch.
#include <cstdint>
#include <string>

#include "config/experiment_config.hpp"

namespace expt {

class BestEpoch {
 public:
  explicit BestEpoch(const TrainingConfig& training);

  // Records `epoch` (1-based) with its whole-test-set metrics; true when it is the new best.
  bool record(int64_t epoch, double test_loss, double test_accuracy);

  int64_t epoch() const { return best_epoch_; }  // 0 before any epoch
  EpochMetric metric() const { return metric_; }
  // Early stopping is on and the last `patience` epochs recorded did not improve.
  bool should_stop() const;
  // Why the run stopped: "test_loss did not improve by more than 0.001 for 3 epochs (best 0.2974 at epoch 4)".
  std::string stop_reason() const;

 private:
  EarlyStoppingConfig stopping_;
  EpochMetric metric_;
  double min_delta_;
  int64_t best_epoch_ = 0, last_epoch_ = 0;
  double best_value_ = 0;
};

}  // namespace expt
