#pragma once
// A channel block of floats as one GCC vector (8 lanes for nChw8c on AVX2, 16 for nChw16c on
// AVX-512), with unaligned loads and stores, for kernels written once in GCC's vector extensions
// and compiled into each path's targeted entry points (winograd_conv.cpp, max_pool_kernel.cpp).
#include <cstdint>
#include <cstring>

namespace expt::onednn {

template <int Lanes>
struct FloatVectors {
  static constexpr int64_t kLanes = Lanes;
  typedef float V __attribute__((vector_size(4 * Lanes)));
  typedef int32_t I __attribute__((vector_size(4 * Lanes)));  // what comparing two V gives
  static V load(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static void store(float* p, V v) { std::memcpy(p, &v, sizeof v); }
};

}  // namespace expt::onednn
