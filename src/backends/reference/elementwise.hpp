#pragma once
// Activations, dropout and spatial dropout: element-wise over a whole [n, c, h, w] tensor of `count` elements.
#include <cstdint>

#include "core/philox.hpp"
#include "layers/activation.hpp"

namespace expt::reference {

// y = f(x). y may alias x.
template <class T>
void activation_forward(ActivationFunction f, int64_t count, const T* x, T* y) {
#pragma omp parallel for
  for (int64_t i = 0; i < count; ++i) y[i] = activate(f, x[i]);
}

// dx from dy, the forward input x and output y. x may be null unless backward_reads_input(f.kind);
// dx may alias dy.
template <class T>
void activation_backward(ActivationFunction f, int64_t count, const T* x, const T* y, const T* dy, T* dx) {
  const bool reads_x = backward_reads_input(f.kind);
#pragma omp parallel for
  for (int64_t i = 0; i < count; ++i) dx[i] = activation_backward(f, reads_x ? x[i] : T(0), y[i], dy[i]);
}

// out = in where `mask` keeps, scaled, else 0 (the rule of core/philox.hpp). The forward pass
// applies it to x and the backward pass to dy, with the same mask. out may alias in.
template <class T>
void dropout_apply(int64_t count, const philox::DropoutMask& mask, const T* in, T* out) {
  const auto scale = static_cast<T>(mask.scale);
  const int64_t blocks = (count + 3) / 4;
#pragma omp parallel for
  for (int64_t b = 0; b < blocks; ++b) {
    const philox::Block draws = philox::dropout_block(mask.seed, mask.layer, mask.step, static_cast<uint64_t>(b));
    for (int64_t j = 0; j < 4 && 4 * b + j < count; ++j) {
      const int64_t i = 4 * b + j;
      out[i] = mask.keeps(draws.v[j]) ? in[i] * scale : T(0);
    }
  }
}

// The same for spatial_dropout: `units` (sample, channel) planes of `plane` elements each, one
// decision per plane.
template <class T>
void spatial_dropout_apply(int64_t units, int64_t plane, const philox::DropoutMask& mask, const T* in, T* out) {
  const auto scale = static_cast<T>(mask.scale);
  const int64_t blocks = (units + 3) / 4;
#pragma omp parallel for
  for (int64_t b = 0; b < blocks; ++b) {
    const philox::Block draws = philox::dropout_block(mask.seed, mask.layer, mask.step, static_cast<uint64_t>(b));
    for (int64_t j = 0; j < 4 && 4 * b + j < units; ++j) {
      const bool kept = mask.keeps(draws.v[j]);
      const int64_t first = (4 * b + j) * plane;
      for (int64_t i = first; i < first + plane; ++i) out[i] = kept ? in[i] * scale : T(0);
    }
  }
}

// y += x: an add layer's sum, and the sum of the gradients a layer's readers pass back to it.
template <class T>
void accumulate(int64_t count, const T* x, T* y) {
#pragma omp parallel for
  for (int64_t i = 0; i < count; ++i) y[i] += x[i];
}

}  // namespace expt::reference
