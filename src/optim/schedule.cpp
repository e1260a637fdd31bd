#include "optim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace expt {

namespace {

// Callers pass step / steps_per_epoch; the slack keeps an epoch boundary computed with
// rounding error (2.9999999) from landing in the previous epoch.
constexpr double kEpochSlack = 1e-9;

double whole_epochs(double epoch) { return std::floor(epoch + kEpochSlack); }

// The schedule without warmup. Warmup is applied on top by learning_rate_at.
double decayed(double base, const ScheduleConfig& s, double epoch, double total_epochs) {
  switch (s.kind) {
    case ScheduleConfig::Kind::constant: return base;
    case ScheduleConfig::Kind::step: {
      const double decays = std::floor(whole_epochs(epoch) / s.step_epochs + kEpochSlack);
      return base * std::pow(s.gamma, decays);
    }
    case ScheduleConfig::Kind::multistep: {
      const double whole = whole_epochs(epoch);
      const auto passed = std::count_if(s.milestones.begin(), s.milestones.end(),
                                        [&](double m) { return m <= whole + kEpochSlack; });
      return base * std::pow(s.gamma, static_cast<double>(passed));
    }
    case ScheduleConfig::Kind::exponential:
      // Per whole epoch, like torch.optim.lr_scheduler.ExponentialLR stepped once per epoch,
      // so that all step-wise kinds hold the rate constant within an epoch.
      return base * std::pow(s.gamma, whole_epochs(epoch));
    case ScheduleConfig::Kind::cosine: {
      // Smooth in the fractional epoch. The cosine starts where warmup ends, so the peak rate
      // is `base`, and reaches min_learning_rate at total_epochs.
      const double span = total_epochs - s.warmup_epochs;
      const double progress = span > 0 ? std::clamp((epoch - s.warmup_epochs) / span, 0.0, 1.0) : 1.0;
      return s.min_learning_rate +
             (base - s.min_learning_rate) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
    }
  }
  return base;
}

}  // namespace

double learning_rate_at(double base_learning_rate, const ScheduleConfig& schedule, double epoch,
                        double total_epochs) {
  const double rate = decayed(base_learning_rate, schedule, epoch, total_epochs);
  if (schedule.warmup_epochs > 0 && epoch < schedule.warmup_epochs)
    return rate * std::max(epoch, 0.0) / schedule.warmup_epochs;  // linear ramp from 0
  return rate;
}

}  // namespace expt
