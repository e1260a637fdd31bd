#pragma once
// batch_norm forward and backward over x as [n, channels, spatial]: spatial is H*W after a conv
// and 1 after a dense layer. Sums are accumulated in double whatever T is.
#include <cmath>
#include <cstdint>

namespace expt::reference {

struct BatchNormGeometry {
  int64_t n = 0, channels = 0, spatial = 0;
  int64_t per_channel() const { return n * spatial; }  // values each channel's statistics cover
};

// y = (x - mean) * inv_std * scale + shift, per channel.
template <class T>
void batch_norm_apply(const BatchNormGeometry& g, const T* x, const T* scale, const T* shift, const T* mean,
                      const T* inv_std, T* y) {
#pragma omp parallel for collapse(2)
  for (int64_t s = 0; s < g.n; ++s)
    for (int64_t c = 0; c < g.channels; ++c) {
      const int64_t base = (s * g.channels + c) * g.spatial;
      for (int64_t i = 0; i < g.spatial; ++i) y[base + i] = (x[base + i] - mean[c]) * inv_std[c] * scale[c] + shift[c];
    }
}

// Training: normalises with the batch's mean and biased variance, keeps the mean and
// 1/sqrt(variance + epsilon) for backward, and moves the running mean and unbiased variance
// towards the batch's by `momentum` (PyTorch's rule).
template <class T>
void batch_norm_forward_training(const BatchNormGeometry& g, const T* x, const T* scale, const T* shift,
                                 double momentum, double epsilon, T* y, T* mean, T* inv_std, T* running_mean,
                                 T* running_var) {
  const auto m = static_cast<double>(g.per_channel());
#pragma omp parallel for
  for (int64_t c = 0; c < g.channels; ++c) {
    double sum = 0, squares = 0;
    for (int64_t s = 0; s < g.n; ++s)
      for (int64_t i = 0; i < g.spatial; ++i) sum += static_cast<double>(x[(s * g.channels + c) * g.spatial + i]);
    const double mu = sum / m;
    for (int64_t s = 0; s < g.n; ++s)
      for (int64_t i = 0; i < g.spatial; ++i) {
        const double d = static_cast<double>(x[(s * g.channels + c) * g.spatial + i]) - mu;
        squares += d * d;
      }
    const double variance = squares / m;
    mean[c] = static_cast<T>(mu);
    inv_std[c] = static_cast<T>(1.0 / std::sqrt(variance + epsilon));
    const double unbiased = m > 1 ? squares / (m - 1) : variance;
    running_mean[c] = static_cast<T>((1 - momentum) * static_cast<double>(running_mean[c]) + momentum * mu);
    running_var[c] = static_cast<T>((1 - momentum) * static_cast<double>(running_var[c]) + momentum * unbiased);
  }
  batch_norm_apply(g, x, scale, shift, mean, inv_std, y);
}

// Evaluation: normalises with the running statistics; `inv_std` receives 1/sqrt(running_var + epsilon).
template <class T>
void batch_norm_forward_inference(const BatchNormGeometry& g, const T* x, const T* scale, const T* shift,
                                  const T* running_mean, const T* running_var, double epsilon, T* y, T* inv_std) {
  for (int64_t c = 0; c < g.channels; ++c)
    inv_std[c] = static_cast<T>(1.0 / std::sqrt(static_cast<double>(running_var[c]) + epsilon));
  batch_norm_apply(g, x, scale, shift, running_mean, inv_std, y);
}

// dx, dscale and dshift (all overwritten; dscale and dshift may be null: a frozen layer) from dy, with the mean and inv_std forward normalised
// with. With batch statistics those depend on x too, which adds the terms through the mean and
// variance: dx = scale * inv_std * (dy - mean(dy) - x_hat * mean(dy * x_hat)).
template <class T>
void batch_norm_backward(const BatchNormGeometry& g, const T* x, const T* dy, const T* scale, const T* mean,
                         const T* inv_std, bool batch_statistics, T* dx, T* dscale, T* dshift) {
  const auto m = static_cast<double>(g.per_channel());
#pragma omp parallel for
  for (int64_t c = 0; c < g.channels; ++c) {
    const auto mu = static_cast<double>(mean[c]), is = static_cast<double>(inv_std[c]);
    double dy_sum = 0, dy_xhat_sum = 0;
    for (int64_t s = 0; s < g.n; ++s)
      for (int64_t i = 0; i < g.spatial; ++i) {
        const int64_t k = (s * g.channels + c) * g.spatial + i;
        dy_sum += static_cast<double>(dy[k]);
        dy_xhat_sum += static_cast<double>(dy[k]) * (static_cast<double>(x[k]) - mu) * is;
      }
    if (dshift) dshift[c] = static_cast<T>(dy_sum);
    if (dscale) dscale[c] = static_cast<T>(dy_xhat_sum);
    const double gain = static_cast<double>(scale[c]) * is;
    const double dy_mean = batch_statistics ? dy_sum / m : 0.0;
    const double dy_xhat_mean = batch_statistics ? dy_xhat_sum / m : 0.0;
    for (int64_t s = 0; s < g.n; ++s)
      for (int64_t i = 0; i < g.spatial; ++i) {
        const int64_t k = (s * g.channels + c) * g.spatial + i;
        const double x_hat = (static_cast<double>(x[k]) - mu) * is;
        dx[k] = static_cast<T>(gain * (static_cast<double>(dy[k]) - dy_mean - x_hat * dy_xhat_mean));
      }
  }
}

}  // namespace expt::reference
