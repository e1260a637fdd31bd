#pragma once
// Helpers for the kernel tests: random tensors, single-layer plans, and central finite
// differences in double precision.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "backends/reference/window_geometry.hpp"
#include "layers/network_plan.hpp"

namespace expt::reference::testing {

// In double, a step of 1e-6 leaves a truncation error ~1e-12 and a rounding error ~1e-10 for
// the O(1) sums here; 1e-6 relative is far above both and far below a wrong index or factor.
constexpr double kStep = 1e-6;
constexpr double kTolerance = 1e-6;

// Uniform in [low, high); the stream is fixed by the seed.
inline std::vector<double> random_tensor(int64_t count, uint64_t seed, double low = -1.0, double high = 1.0) {
  std::mt19937_64 gen(seed);
  std::vector<double> v(static_cast<size_t>(count));
  for (double& x : v) x = low + (high - low) * (static_cast<double>(gen() >> 11) * 0x1.0p-53);
  return v;
}

// Values with |x| >= margin: finite differences do not cross a relu kink.
inline std::vector<double> random_away_from_zero(int64_t count, uint64_t seed, double margin = 0.05) {
  auto v = random_tensor(count, seed);
  for (double& x : v) x = x < 0 ? x - margin : x + margin;
  return v;
}

inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Largest |analytic - numeric| / max(1, |numeric|) over the elements of `x`, where numeric is
// the central difference of `loss()` as each element of x is moved by +-kStep.
template <class Loss>
double worst_gradient_error(std::vector<double>& x, const std::vector<double>& analytic, Loss loss) {
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double saved = x[i];
    x[i] = saved + kStep;
    const double up = loss();
    x[i] = saved - kStep;
    const double down = loss();
    x[i] = saved;
    const double numeric = (up - down) / (2 * kStep);
    worst = std::max(worst, std::abs(analytic[i] - numeric) / std::max(1.0, std::abs(numeric)));
  }
  return worst;
}

// The plan of `layer` on `input`, followed by the dense layer plan_network requires last.
inline PlannedLayer plan_one(const LayerSpec& layer, Shape input) {
  LayerSpec logits;
  logits.kind = LayerKind::dense;
  logits.name = "logits";
  logits.units = 1;
  return plan_network({layer, logits}, input, 1).layers[0];
}

inline LayerSpec window_layer(LayerKind kind, int64_t kernel_h, int64_t kernel_w, int64_t stride_h, int64_t stride_w,
                              Padding padding, int64_t filters = 0) {
  LayerSpec s;
  s.kind = kind;
  s.name = "window";
  s.kernel_h = kernel_h;
  s.kernel_w = kernel_w;
  s.stride_h = stride_h;
  s.stride_w = stride_w;
  s.padding = padding;
  s.filters = filters;
  return s;
}

}  // namespace expt::reference::testing
