#pragma once
// Parameter initialisation on the host, in PyTorch layout, from the run's seed. Backends only
// receive the values, so every backend starts from bit-identical weights.
#include <cstdint>
#include <span>

#include "layers/network_plan.hpp"

namespace expt {

// Fills `out` (param.size() floats). The stream depends on (seed, param_index) only.
void initialize_parameter(const ParamSpec& param, uint64_t seed, uint32_t param_index, std::span<float> out);

}  // namespace expt
