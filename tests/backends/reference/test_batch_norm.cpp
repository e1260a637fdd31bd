// batch_norm kernels: values by hand, PyTorch's running-statistics rule, and finite-difference
// gradients in double for the input, the scale and the shift, with batch and with running statistics.
#include <doctest/doctest.h>

#include "backends/reference/batch_norm.hpp"
#include "gradient_check.hpp"

using namespace expt;
using namespace expt::reference;
using namespace expt::reference::testing;

namespace {

// Normalises x with batch statistics; the running statistics start at PyTorch's 0 and 1.
struct TrainingForward {
  BatchNormGeometry g;
  std::vector<double> y, mean, inv_std, running_mean, running_var;

  explicit TrainingForward(BatchNormGeometry geometry)
      : g(geometry),
        y(static_cast<size_t>(g.n * g.channels * g.spatial)),
        mean(static_cast<size_t>(g.channels)),
        inv_std(mean.size()),
        running_mean(mean.size(), 0.0),
        running_var(mean.size(), 1.0) {}

  void run(const std::vector<double>& x, const std::vector<double>& scale, const std::vector<double>& shift,
           double momentum = 0.1) {
    batch_norm_forward_training(g, x.data(), scale.data(), shift.data(), momentum, 1e-5, y.data(), mean.data(),
                                inv_std.data(), running_mean.data(), running_var.data());
  }
};

}  // namespace

TEST_CASE("batch norm by hand: one channel of four values") {
  TrainingForward f({2, 1, 2});
  f.run({1, 2, 3, 6}, {2}, {0.5});
  // mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5, unbiased 14 / 3.
  const double inv_std = 1 / std::sqrt(3.5 + 1e-5);
  CHECK(f.mean[0] == doctest::Approx(3).epsilon(1e-15));
  CHECK(f.inv_std[0] == doctest::Approx(inv_std).epsilon(1e-15));
  CHECK(f.y[3] == doctest::Approx(3 * inv_std * 2 + 0.5).epsilon(1e-15));
  CHECK(f.running_mean[0] == doctest::Approx(0.9 * 0 + 0.1 * 3).epsilon(1e-15));
  CHECK(f.running_var[0] == doctest::Approx(0.9 * 1 + 0.1 * 14.0 / 3).epsilon(1e-15));
}

TEST_CASE("batch norm at evaluation normalises with the running statistics") {
  const BatchNormGeometry g{1, 2, 1};
  const std::vector<double> x{4, -1}, scale{1, 3}, shift{0, 1}, running_mean{2, 1}, running_var{4, 0.25};
  std::vector<double> y(2), inv_std(2);
  batch_norm_forward_inference(g, x.data(), scale.data(), shift.data(), running_mean.data(), running_var.data(),
                               1e-5, y.data(), inv_std.data());
  CHECK(y[0] == doctest::Approx(2 / std::sqrt(4 + 1e-5)).epsilon(1e-15));
  CHECK(y[1] == doctest::Approx(-2 / std::sqrt(0.25 + 1e-5) * 3 + 1).epsilon(1e-15));
}

TEST_CASE("batch norm gradients by finite differences: input, scale and shift") {
  for (const BatchNormGeometry g : {BatchNormGeometry{3, 2, 5}, BatchNormGeometry{4, 3, 1}}) {
    CAPTURE(g.spatial);
    const int64_t count = g.n * g.channels * g.spatial;
    auto x = random_tensor(count, 31, -2, 2);
    auto scale = random_tensor(g.channels, 32, 0.5, 1.5);
    auto shift = random_tensor(g.channels, 33);
    const auto upstream = random_tensor(count, 34);
    TrainingForward f(g);
    auto loss = [&] {
      f.run(x, scale, shift);
      return dot(upstream, f.y);
    };
    loss();
    std::vector<double> dx(static_cast<size_t>(count)), dscale(scale.size()), dshift(shift.size());
    batch_norm_backward(g, x.data(), upstream.data(), scale.data(), f.mean.data(), f.inv_std.data(), true, dx.data(),
                        dscale.data(), dshift.data());
    CHECK(worst_gradient_error(x, dx, loss) < kTolerance);
    CHECK(worst_gradient_error(scale, dscale, loss) < kTolerance);
    CHECK(worst_gradient_error(shift, dshift, loss) < kTolerance);
  }
}

TEST_CASE("batch norm gradients with the running statistics held fixed") {
  const BatchNormGeometry g{2, 2, 3};
  const int64_t count = 12;
  auto x = random_tensor(count, 41, -2, 2);
  auto scale = random_tensor(2, 42, 0.5, 1.5);
  const std::vector<double> shift{0.1, -0.2}, running_mean{0.3, -0.1}, running_var{0.8, 1.7};
  const auto upstream = random_tensor(count, 43);
  std::vector<double> y(static_cast<size_t>(count)), inv_std(2);
  auto loss = [&] {
    batch_norm_forward_inference(g, x.data(), scale.data(), shift.data(), running_mean.data(), running_var.data(),
                                 1e-5, y.data(), inv_std.data());
    return dot(upstream, y);
  };
  loss();
  std::vector<double> dx(static_cast<size_t>(count)), dscale(2), dshift(2);
  batch_norm_backward(g, x.data(), upstream.data(), scale.data(), running_mean.data(), inv_std.data(), false, dx.data(),
                      dscale.data(), dshift.data());
  CHECK(worst_gradient_error(x, dx, loss) < kTolerance);
  CHECK(worst_gradient_error(scale, dscale, loss) < kTolerance);
}
