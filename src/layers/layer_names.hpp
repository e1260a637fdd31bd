#pragma once
// The names the config uses for the enums of a layer spec: parsing reads them, the resolved
// YAML writes them and the schema lists them as the allowed values.
#include "core/enum_names.hpp"
#include "layers/layer_spec.hpp"

namespace expt {

inline constexpr EnumName<Padding> padding_names[] = {{"same", Padding::same}, {"valid", Padding::valid}};
inline constexpr EnumName<Activation> activation_names[] = {
    {"none", Activation::none},       {"relu", Activation::relu},   {"leaky_relu", Activation::leaky_relu},
    {"elu", Activation::elu},         {"gelu", Activation::gelu},   {"tanh", Activation::tanh},
    {"sigmoid", Activation::sigmoid}, {"silu", Activation::silu},
};
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

}  // namespace expt
