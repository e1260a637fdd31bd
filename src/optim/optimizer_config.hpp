#pragma once
// Optimizer and learning-rate schedule settings, as the config gives them.
#include <cstdint>
#include <vector>

namespace expt {

struct OptimizerConfig {
  enum class Kind { sgd, momentum, adam, adamw };
  Kind kind = Kind::adam;
  double learning_rate = 1e-3;
  double momentum = 0.9;      // momentum
  bool nesterov = false;      // momentum
  double beta1 = 0.9;         // adam, adamw
  double beta2 = 0.999;       // adam, adamw
  double epsilon = 1e-8;      // adam, adamw (TensorFlow's Adam default; PyTorch's is also 1e-8)
  double weight_decay = 0.0;  // sgd/momentum/adam: L2 added to the gradient; adamw: decoupled
};
const char* to_string(OptimizerConfig::Kind);

// Number of state tensors per parameter (momentum: 1, adam/adamw: 2, sgd: 0).
int optimizer_state_slots(OptimizerConfig::Kind);

struct ScheduleConfig {
  enum class Kind { constant, step, multistep, exponential, cosine };
  Kind kind = Kind::constant;
  double step_epochs = 1;            // step: decay every this many epochs
  std::vector<double> milestones;    // multistep: epochs at which to decay
  double gamma = 0.1;                // step, multistep, exponential (per epoch)
  double min_learning_rate = 0.0;    // cosine: floor reached at the last epoch
  double warmup_epochs = 0.0;        // any kind: linear ramp from 0 over this many epochs first
};
const char* to_string(ScheduleConfig::Kind);

}  // namespace expt
