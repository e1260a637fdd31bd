#pragma once
// The activation functions, forward and backward for one element. The reference backend's loops
// and the cudnn backend's kernels both call these, so the formulas exist once; oneDNN computes
// the same functions with its own eltwise algorithms. Each follows PyTorch's definition
// (gelu: the exact erf form).
#include <cmath>

#include "core/host_device.hpp"
#include "layers/layer_spec.hpp"

namespace expt {

// An activation with its parameter (alpha: leaky_relu's slope below zero, elu's saturation).
struct ActivationFunction {
  Activation kind = Activation::none;
  float alpha = 0.0f;
};

// Whether the gradient needs the activation's input: gelu's and silu's are no function of
// their output, the others' are (for alpha >= 0), so those run backward from the output alone.
EXPT_HOST_DEVICE inline bool backward_reads_input(Activation a) {
  return a == Activation::gelu || a == Activation::silu;
}

template <class T>
EXPT_HOST_DEVICE T logistic(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

// `x < 0 ? 0 : x` and the like keep a NaN a NaN, so a diverging run is still detected.
template <class T>
EXPT_HOST_DEVICE T activate(ActivationFunction f, T x) {
  const T alpha = static_cast<T>(f.alpha);
  switch (f.kind) {
    case Activation::none: return x;
    case Activation::relu: return x < T(0) ? T(0) : x;
    case Activation::leaky_relu: return x > T(0) ? x : x * alpha;
    case Activation::elu: return x > T(0) ? x : alpha * std::expm1(x);
    case Activation::gelu: return T(0.5) * x * (T(1) + std::erf(x * T(0.70710678118654752440)));
    case Activation::tanh: return std::tanh(x);
    case Activation::sigmoid: return logistic(x);
    case Activation::silu: return x * logistic(x);
  }
  return x;
}

// d(loss)/dx from d(loss)/dy = dy, the input x and the output y; x is read only where
// backward_reads_input says so.
template <class T>
EXPT_HOST_DEVICE T activation_backward(ActivationFunction f, T x, T y, T dy) {
  const T alpha = static_cast<T>(f.alpha);
  switch (f.kind) {
    case Activation::none: return dy;
    case Activation::relu: return y > T(0) ? dy : T(0);  // PyTorch's threshold_backward
    case Activation::leaky_relu: return y > T(0) ? dy : dy * alpha;
    case Activation::elu: return y > T(0) ? dy : dy * (y + alpha);
    case Activation::gelu: {
      const T cdf = T(0.5) * (T(1) + std::erf(x * T(0.70710678118654752440)));
      const T pdf = std::exp(T(-0.5) * x * x) * T(0.39894228040143267794);  // 1 / sqrt(2 pi)
      return dy * (cdf + x * pdf);
    }
    case Activation::tanh: return dy * (T(1) - y * y);
    case Activation::sigmoid: return dy * y * (T(1) - y);
    case Activation::silu: {
      const T s = logistic(x);
      return dy * s * (T(1) + x * (T(1) - s));
    }
  }
  return dy;
}

// PyTorch's defaults: leaky_relu's negative_slope, elu's alpha; 0 for the others, which have none.
inline double default_alpha(Activation a) {
  return a == Activation::leaky_relu ? 0.01 : a == Activation::elu ? 1.0 : 0.0;
}

}  // namespace expt
