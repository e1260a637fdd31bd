// Activation and dropout kernels: values by hand, finite-difference gradients in double, and
// the dropout mask's determinism, density and Philox indexing.
#include <doctest/doctest.h>

#include "backends/reference/elementwise.hpp"
#include "gradient_check.hpp"

using namespace expt;
using namespace expt::reference;
using namespace expt::reference::testing;

namespace {

const ActivationFunction every_activation[] = {
    {Activation::relu},          {Activation::leaky_relu, 0.01f}, {Activation::leaky_relu, 0.3f},
    {Activation::elu, 1.0f},     {Activation::elu, 0.5f},         {Activation::gelu},
    {Activation::tanh},          {Activation::sigmoid},           {Activation::silu},
};

std::vector<double> activated(ActivationFunction f, const std::vector<double>& x) {
  std::vector<double> y(x.size());
  activation_forward(f, static_cast<int64_t>(x.size()), x.data(), y.data());
  return y;
}

}  // namespace

TEST_CASE("activations by hand") {
  const std::vector<double> x{-2, -0.0, 0.5, 3};
  CHECK(activated({Activation::relu}, x) == std::vector<double>{0, 0, 0.5, 3});
  CHECK(activated({Activation::leaky_relu, 0.25f}, x) == std::vector<double>{-0.5, 0, 0.5, 3});
  const auto close = [](const std::vector<double>& got, const std::vector<double>& want) {
    for (size_t i = 0; i < want.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-12));
  };
  // Values from PyTorch 1.13 in float64.
  close(activated({Activation::elu, 1.0f}, x), {-0.8646647167633873, 0, 0.5, 3});
  close(activated({Activation::gelu}, x), {-0.04550026389635842, 0, 0.34573123063700656, 2.99595030590511});
  close(activated({Activation::tanh}, x), {-0.9640275800758169, 0, 0.46211715726000974, 0.9950547536867305});
  close(activated({Activation::sigmoid}, x), {0.11920292202211755, 0.5, 0.6224593312018546, 0.9525741268224334});
  close(activated({Activation::silu}, x), {-0.2384058440442351, 0, 0.3112296656009273, 2.8577223804672998});
}

TEST_CASE("activations keep a NaN a NaN") {
  for (const ActivationFunction f : every_activation) {
    CAPTURE(static_cast<int>(f.kind));
    CHECK(std::isnan(activated(f, {std::nan("")})[0]));
  }
}

TEST_CASE("activation gradients by finite differences, from the input where needed, else the output alone") {
  for (const ActivationFunction f : every_activation) {
    CAPTURE(static_cast<int>(f.kind));
    auto x = random_away_from_zero(64, 21, 0.05);
    for (double& v : x) v *= 3;  // reach the saturating parts too
    const auto upstream = random_tensor(64, 22);
    std::vector<double> y(64), dx(64);
    auto loss = [&] {
      activation_forward(f, 64, x.data(), y.data());
      return dot(upstream, y);
    };
    loss();
    const double* input = backward_reads_input(f.kind) ? x.data() : nullptr;
    activation_backward(f, 64, input, y.data(), upstream.data(), dx.data());
    CHECK(worst_gradient_error(x, dx, loss) < kTolerance);
  }
}

TEST_CASE("dropout gradient with a fixed mask by finite differences") {
  const auto mask = philox::dropout_mask(7, 3, 11, 0.4);
  auto x = random_tensor(101, 23);  // not a multiple of 4: the last Philox block is partial
  const auto upstream = random_tensor(101, 24);
  std::vector<double> y(101), dx(101);
  auto loss = [&] {
    dropout_apply(101, mask, x.data(), y.data());
    return dot(upstream, y);
  };
  dropout_apply(101, mask, upstream.data(), dx.data());
  CHECK(worst_gradient_error(x, dx, loss) < kTolerance);
}

TEST_CASE("dropout keeps element i by Philox word i % 4 of block i / 4 and scales by 1/(1-rate)") {
  const auto mask = philox::dropout_mask(0x1234567890ull, 5, 42, 0.25);
  const std::vector<float> x(203, 1.0f);
  std::vector<float> y(203);
  dropout_apply(203, mask, x.data(), y.data());
  const uint32_t threshold = philox::drop_threshold(0.25f);
  for (size_t i = 0; i < y.size(); ++i) {
    const bool kept = philox::dropout_block(mask.seed, mask.layer, mask.step, i / 4).v[i % 4] >= threshold;
    CHECK(y[i] == (kept ? 1.0f / 0.75f : 0.0f));
  }
}

TEST_CASE("dropout mask: same seed, layer and step give the same mask; others differ") {
  const int64_t count = 4096;
  const std::vector<float> x(count, 1.0f);
  auto mask_of = [&](const philox::DropoutMask& m) {
    std::vector<float> y(count);
    dropout_apply(count, m, x.data(), y.data());
    return y;
  };
  const auto base = philox::dropout_mask(99, 2, 7, 0.5);
  CHECK(mask_of(base) == mask_of(base));
  CHECK(mask_of(base) != mask_of(philox::dropout_mask(99, 2, 8, 0.5)));
  CHECK(mask_of(base) != mask_of(philox::dropout_mask(99, 3, 7, 0.5)));
  CHECK(mask_of(base) != mask_of(philox::dropout_mask(100, 2, 7, 0.5)));
}

TEST_CASE("dropout keeps about 1 - rate of the elements") {
  // 200000 Bernoulli draws: the kept fraction's standard deviation is <= 0.0012; 0.006 is 5 sigma.
  const int64_t count = 200000;
  const std::vector<float> x(count, 1.0f);
  std::vector<float> y(count);
  for (double rate : {0.1, 0.5, 0.8}) {
    dropout_apply(count, philox::dropout_mask(5, 1, 3, rate), x.data(), y.data());
    const auto kept = std::count_if(y.begin(), y.end(), [](float v) { return v != 0.0f; });
    CHECK(std::abs(static_cast<double>(kept) / count - (1 - rate)) < 0.006);
  }
}

TEST_CASE("dropout rate 0 keeps everything unscaled") {
  const auto x = random_tensor(10, 25);
  std::vector<double> y(10);
  dropout_apply(10, philox::dropout_mask(1, 1, 1, 0.0), x.data(), y.data());
  CHECK(y == x);
}

TEST_CASE("spatial dropout keeps plane u by Philox word u % 4 of block u / 4, whole planes at once") {
  // 2 samples x 5 channels: 10 units, so the third Philox block is partial.
  const auto mask = philox::dropout_mask(0x1234567890ull, 5, 42, 0.5);
  const int64_t units = 10, plane = 6;
  const std::vector<float> x(units * plane, 2.0f);
  std::vector<float> y(x.size());
  spatial_dropout_apply(units, plane, mask, x.data(), y.data());
  const uint32_t threshold = philox::drop_threshold(0.5f);
  size_t kept_units = 0;
  for (int64_t u = 0; u < units; ++u) {
    const bool kept = philox::dropout_block(mask.seed, mask.layer, mask.step, u / 4).v[u % 4] >= threshold;
    kept_units += kept;
    for (int64_t i = u * plane; i < (u + 1) * plane; ++i) CHECK(y[i] == (kept ? 2.0f * 2.0f : 0.0f));
  }
  // Both outcomes occur, so the check above compares against both branches.
  CHECK(kept_units > 0);
  CHECK(kept_units < units);
}

TEST_CASE("spatial dropout gradient with a fixed mask by finite differences") {
  const auto mask = philox::dropout_mask(7, 3, 11, 0.4);
  auto x = random_tensor(7 * 9, 25);
  const auto upstream = random_tensor(7 * 9, 26);
  std::vector<double> y(x.size()), dx(x.size());
  auto loss = [&] {
    spatial_dropout_apply(7, 9, mask, x.data(), y.data());
    return dot(upstream, y);
  };
  spatial_dropout_apply(7, 9, mask, upstream.data(), dx.data());
  CHECK(worst_gradient_error(x, dx, loss) < kTolerance);
}
