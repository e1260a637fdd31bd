#pragma once
// dense (fully connected) forward and backward. x is [n, in] (a conv output [n, c, h, w] read
// as [n, c*h*w]: the implicit flatten in channel-height-width order); weight is [out, in].
#include <cstdint>

namespace expt::reference {

// bias may be null.
template <class T>
void dense_forward(int64_t n, int64_t in, int64_t out, const T* x, const T* weight, const T* bias, T* y) {
#pragma omp parallel for collapse(2)
  for (int64_t s = 0; s < n; ++s)
    for (int64_t o = 0; o < out; ++o) {
      const T* x_row = x + s * in;
      const T* w_row = weight + o * in;
      T sum = bias ? bias[o] : T(0);
      for (int64_t i = 0; i < in; ++i) sum += w_row[i] * x_row[i];
      y[s * out + o] = sum;
    }
}

// dx is overwritten: dx[s] = sum over o of dy[s, o] * weight[o].
template <class T>
void dense_backward_data(int64_t n, int64_t in, int64_t out, const T* dy, const T* weight, T* dx) {
#pragma omp parallel for
  for (int64_t s = 0; s < n; ++s) {
    T* dx_row = dx + s * in;
    for (int64_t i = 0; i < in; ++i) dx_row[i] = T(0);
    for (int64_t o = 0; o < out; ++o) {
      const T d = dy[s * out + o];
      const T* w_row = weight + o * in;
      for (int64_t i = 0; i < in; ++i) dx_row[i] += d * w_row[i];
    }
  }
}

// dweight and dbias (may be null) are overwritten with sums over the batch.
template <class T>
void dense_backward_weights(int64_t n, int64_t in, int64_t out, const T* x, const T* dy, T* dweight, T* dbias) {
#pragma omp parallel for
  for (int64_t o = 0; o < out; ++o) {
    T* dw_row = dweight + o * in;
    for (int64_t i = 0; i < in; ++i) dw_row[i] = T(0);
    T bias_sum = T(0);
    for (int64_t s = 0; s < n; ++s) {
      const T d = dy[s * out + o];
      const T* x_row = x + s * in;
      for (int64_t i = 0; i < in; ++i) dw_row[i] += d * x_row[i];
      bias_sum += d;
    }
    if (dbias) dbias[o] = bias_sum;
  }
}

}  // namespace expt::reference
