// relu and dropout kernels: finite-difference gradients in double, and the dropout mask's
// determinism, density and Philox indexing.
#include <doctest/doctest.h>

#include "backends/reference/elementwise.hpp"
#include "gradient_check.hpp"

using namespace expt;
using namespace expt::reference;
using namespace expt::reference::testing;

TEST_CASE("relu forward by hand") {
  const std::vector<double> x{-2, -0.0, 0.5, 3};
  std::vector<double> y(4);
  relu_forward(4, x.data(), y.data());
  CHECK(y == std::vector<double>{0, 0, 0.5, 3});
}

TEST_CASE("relu gradient by finite differences") {
  auto x = random_away_from_zero(64, 21);
  const auto upstream = random_tensor(64, 22);
  std::vector<double> y(64), dx(64);
  auto loss = [&] {
    relu_forward(64, x.data(), y.data());
    return dot(upstream, y);
  };
  loss();
  relu_backward(64, y.data(), upstream.data(), dx.data());
  CHECK(worst_gradient_error(x, dx, loss) < kTolerance);
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
