// max_pool and avg_pool: TensorFlow `same` windows on a hand-worked input, the first-maximum
// rule for ties, and finite-difference input gradients in double.
#include <doctest/doctest.h>

#include "backends/reference/pool.hpp"
#include "gradient_check.hpp"

using namespace expt;
using namespace expt::reference;
using namespace expt::reference::testing;

namespace {

const std::vector<double> k1To9{1, 2, 3, 4, 5, 6, 7, 8, 9};

std::vector<double> pool_1_to_9(LayerKind kind, Padding padding) {
  const PlannedLayer layer = plan_one(window_layer(kind, 2, 2, 2, 2, padding), Shape{1, 3, 3});
  std::vector<double> y(static_cast<size_t>(layer.out.size()));
  if (kind == LayerKind::max_pool)
    max_pool_forward(window_geometry(layer, 1), k1To9.data(), y.data());
  else
    avg_pool_forward(window_geometry(layer, 1), k1To9.data(), y.data());
  return y;
}

void check_pool_gradient(LayerKind kind, Shape input, int64_t k_h, int64_t k_w, int64_t s_h, int64_t s_w,
                         Padding padding) {
  const PlannedLayer layer = plan_one(window_layer(kind, k_h, k_w, s_h, s_w, padding), input);
  INFO(to_string(kind), " ", k_h, "x", k_w, " stride ", s_h, "x", s_w, " ", to_string(padding), " on ", input.str());
  const WindowGeometry g = window_geometry(layer, 2);
  // Continuous random values: no two in a window are within 2*kStep, so the argmax is stable.
  auto x = random_tensor(g.n * g.in_size(), 11);
  const auto upstream = random_tensor(g.n * g.out_size(), 12);
  std::vector<double> y(upstream.size()), dx(x.size());
  const bool is_max = kind == LayerKind::max_pool;
  auto loss = [&] {
    if (is_max)
      max_pool_forward(g, x.data(), y.data());
    else
      avg_pool_forward(g, x.data(), y.data());
    return dot(upstream, y);
  };
  if (is_max)
    max_pool_backward(g, x.data(), upstream.data(), dx.data());
  else
    avg_pool_backward(g, upstream.data(), dx.data());
  CHECK(worst_gradient_error(x, dx, loss) < kTolerance);
}

}  // namespace

TEST_CASE("max_pool 2x2 stride 2 same on a 3x3 input matches TensorFlow") {
  // Windows {1,2,4,5} {3,6} {7,8} {9}: padding never wins.
  CHECK(pool_1_to_9(LayerKind::max_pool, Padding::same) == std::vector<double>{5, 6, 8, 9});
  CHECK(pool_1_to_9(LayerKind::max_pool, Padding::valid) == std::vector<double>{5});
}

TEST_CASE("avg_pool 2x2 stride 2 same divides by the real pixels only") {
  // {1,2,4,5}/4, {3,6}/2, {7,8}/2, {9}/1 (TensorFlow same; PyTorch count_include_pad=False)
  CHECK(pool_1_to_9(LayerKind::avg_pool, Padding::same) == std::vector<double>{3, 4.5, 7.5, 9});
  CHECK(pool_1_to_9(LayerKind::avg_pool, Padding::valid) == std::vector<double>{3});
}

TEST_CASE("max_pool with negative inputs ignores the padding") {
  const PlannedLayer layer = plan_one(window_layer(LayerKind::max_pool, 2, 2, 2, 2, Padding::same), Shape{1, 3, 3});
  std::vector<double> x(9), y(4);
  for (size_t i = 0; i < 9; ++i) x[i] = -k1To9[i];
  max_pool_forward(window_geometry(layer, 1), x.data(), y.data());
  CHECK(y == std::vector<double>{-1, -3, -7, -9});
}

TEST_CASE("max_pool ties: the first maximum in the window gets the gradient") {
  const PlannedLayer layer = plan_one(window_layer(LayerKind::max_pool, 2, 2, 2, 2, Padding::valid), Shape{1, 2, 2});
  const std::vector<double> x{1, 3, 3, 3}, dy{2};
  std::vector<double> dx(4);
  max_pool_backward(window_geometry(layer, 1), x.data(), dy.data(), dx.data());
  CHECK(dx == std::vector<double>{0, 2, 0, 0});
}

TEST_CASE("pooling gradients by finite differences") {
  for (LayerKind kind : {LayerKind::max_pool, LayerKind::avg_pool}) {
    check_pool_gradient(kind, {2, 5, 5}, 2, 2, 2, 2, Padding::same);   // 0 top/left, 1 bottom/right
    check_pool_gradient(kind, {2, 7, 6}, 3, 3, 2, 2, Padding::same);   // overlapping windows
    check_pool_gradient(kind, {1, 6, 7}, 3, 2, 1, 2, Padding::same);   // non-square, mixed strides
    check_pool_gradient(kind, {2, 7, 7}, 3, 3, 2, 2, Padding::valid);
    check_pool_gradient(kind, {1, 5, 6}, 2, 3, 2, 1, Padding::valid);
  }
}
