#pragma once
// The names the config uses for each enum, in one place: parsing reads them, the resolved YAML
// writes them and the schema lists them as the allowed values. Enums that code below the config
// names too keep their table next to them (core/precision.hpp).
#include "core/enum_names.hpp"
#include "layers/layer_spec.hpp"
#include "optim/optimizer_config.hpp"

namespace expt::config {

inline constexpr EnumName<LayerKind> layer_kind_names[] = {
    {"conv2d", LayerKind::conv2d}, {"max_pool", LayerKind::max_pool}, {"avg_pool", LayerKind::avg_pool},
    {"relu", LayerKind::relu},     {"dropout", LayerKind::dropout},   {"flatten", LayerKind::flatten},
    {"dense", LayerKind::dense},
};
inline constexpr EnumName<Padding> padding_names[] = {{"same", Padding::same}, {"valid", Padding::valid}};
inline constexpr EnumName<Activation> activation_names[] = {{"none", Activation::none},
                                                            {"relu", Activation::relu}};
inline constexpr EnumName<InitSpec::Kind> init_kind_names[] = {
    {"truncated_normal", InitSpec::Kind::truncated_normal},
    {"normal", InitSpec::Kind::normal},
    {"uniform", InitSpec::Kind::uniform},
    {"constant", InitSpec::Kind::constant},
    {"glorot_uniform", InitSpec::Kind::glorot_uniform},
    {"glorot_normal", InitSpec::Kind::glorot_normal},
    {"he_uniform", InitSpec::Kind::he_uniform},
    {"he_normal", InitSpec::Kind::he_normal},
};
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

}  // namespace expt::config
