#include "training/best_epoch.hpp"

#include <fmt/format.h>

#include "config/enum_names.hpp"

namespace expt {

BestEpoch::BestEpoch(const TrainingConfig& training)
    : stopping_(training.early_stopping),
      metric_(stopping_.enabled ? stopping_.metric : EpochMetric::test_accuracy),
      min_delta_(stopping_.enabled ? stopping_.min_delta : 0.0) {}

bool BestEpoch::record(int64_t epoch, double test_loss, double test_accuracy) {
  last_epoch_ = epoch;
  const double value = metric_ == EpochMetric::test_loss ? test_loss : test_accuracy;
  // Written so that NaN never improves.
  const bool improves = best_epoch_ == 0 ? value == value
                        : metric_ == EpochMetric::test_loss ? value < best_value_ - min_delta_
                                                            : value > best_value_ + min_delta_;
  if (!improves) return false;
  best_epoch_ = epoch;
  best_value_ = value;
  return true;
}

bool BestEpoch::should_stop() const {
  return stopping_.enabled && last_epoch_ > 0 && last_epoch_ - best_epoch_ >= stopping_.patience;
}

std::string BestEpoch::stop_reason() const {
  return fmt::format("{} did not improve by more than {:g} for {} epochs (best {:.4f} at epoch {})",
                     name_of(config::epoch_metric_names, metric_), min_delta_, last_epoch_ - best_epoch_, best_value_,
                     best_epoch_);
}

}  // namespace expt
