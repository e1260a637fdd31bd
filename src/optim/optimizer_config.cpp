#include "optim/optimizer_config.hpp"

namespace expt {

const char* to_string(OptimizerConfig::Kind k) {
  switch (k) {
    case OptimizerConfig::Kind::sgd: return "sgd";
    case OptimizerConfig::Kind::momentum: return "momentum";
    case OptimizerConfig::Kind::adam: return "adam";
    case OptimizerConfig::Kind::adamw: return "adamw";
  }
  return "?";
}

int optimizer_state_slots(OptimizerConfig::Kind k) {
  switch (k) {
    case OptimizerConfig::Kind::sgd: return 0;
    case OptimizerConfig::Kind::momentum: return 1;
    case OptimizerConfig::Kind::adam:
    case OptimizerConfig::Kind::adamw: return 2;
  }
  return 0;
}

const char* to_string(ScheduleConfig::Kind k) {
  switch (k) {
    case ScheduleConfig::Kind::constant: return "constant";
    case ScheduleConfig::Kind::step: return "step";
    case ScheduleConfig::Kind::multistep: return "multistep";
    case ScheduleConfig::Kind::exponential: return "exponential";
    case ScheduleConfig::Kind::cosine: return "cosine";
  }
  return "?";
}

}  // namespace expt
