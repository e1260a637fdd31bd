#pragma once
#include "optim/optimizer_config.hpp"

namespace expt {

// The learning rate at `epoch` (fractional: step / steps_per_epoch), for a run of
// `total_epochs`. Step-wise kinds change at whole epochs; warmup and cosine are smooth.
double learning_rate_at(double base_learning_rate, const ScheduleConfig& schedule, double epoch,
                        double total_epochs);

}  // namespace expt
