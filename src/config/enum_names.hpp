#pragma once
// The names the config uses for each enum, in one place: parsing reads them, the resolved YAML
// writes them and the schema lists them as the allowed values. Those of layer specs are in
// layers/layer_names.hpp, layer kinds are named by their descriptors, and enums that code below
// the config names too keep their table next to them (core/precision.hpp).
#include "core/enum_names.hpp"
#include "layers/layer_names.hpp"
#include "config/experiment_config.hpp"
#include "optim/optimizer_config.hpp"

namespace expt::config {

inline constexpr EnumName<OptimizerConfig::Kind> optimizer_kind_names[] = {
    {"sgd", OptimizerConfig::Kind::sgd},
    {"momentum", OptimizerConfig::Kind::momentum},
    {"adam", OptimizerConfig::Kind::adam},
    {"adamw", OptimizerConfig::Kind::adamw},
};
inline constexpr EnumName<ScheduleConfig::Kind> schedule_kind_names[] = {
    {"constant", ScheduleConfig::Kind::constant},
    {"step", ScheduleConfig::Kind::step},
    {"multistep", ScheduleConfig::Kind::multistep},
    {"exponential", ScheduleConfig::Kind::exponential},
    {"cosine", ScheduleConfig::Kind::cosine},
};
inline constexpr EnumName<EpochMetric> epoch_metric_names[] = {
    {"test_loss", EpochMetric::test_loss},
    {"test_accuracy", EpochMetric::test_accuracy},
};

}  // namespace expt::config
