// conv2d: TensorFlow padding on hand-worked inputs, and finite-difference gradients in double
// for same/valid padding, stride 2, non-square kernels and asymmetric `same` padding.
#include <doctest/doctest.h>

#include "backends/reference/conv2d.hpp"
#include "gradient_check.hpp"

using namespace expt;
using namespace expt::reference;
using namespace expt::reference::testing;

namespace {

// The 3x3 input 1..9 (one channel) under a 2x2 kernel of ones, no bias.
std::vector<double> conv_of_1_to_9(Padding padding, int64_t stride, PlannedLayer& layer) {
  layer = plan_one(window_layer(LayerKind::conv2d, 2, 2, stride, stride, padding, 1), Shape{1, 3, 3});
  const std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8, 9}, w{1, 1, 1, 1};
  std::vector<double> y(static_cast<size_t>(layer.out.size()));
  conv2d_forward(window_geometry(layer, 1), x.data(), w.data(), static_cast<const double*>(nullptr), y.data());
  return y;
}

struct ConvCase {
  const char* name;
  Shape input;
  int64_t filters, kernel_h, kernel_w, stride_h, stride_w;
  Padding padding;
};

void check_conv_gradients(const ConvCase& c) {
  INFO(c.name);
  const PlannedLayer layer = plan_one(
      window_layer(LayerKind::conv2d, c.kernel_h, c.kernel_w, c.stride_h, c.stride_w, c.padding, c.filters), c.input);
  const WindowGeometry g = window_geometry(layer, 2);
  auto x = random_tensor(g.n * g.in_size(), 1);
  auto w = random_tensor(g.out_c * g.in_c * g.kernel_h * g.kernel_w, 2);
  auto b = random_tensor(g.out_c, 3);
  const auto upstream = random_tensor(g.n * g.out_size(), 4);  // loss = sum(upstream * y)
  std::vector<double> y(upstream.size());
  auto loss = [&] {
    conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
    return dot(upstream, y);
  };
  std::vector<double> dx(x.size()), dw(w.size()), db(b.size());
  conv2d_backward_data(g, upstream.data(), w.data(), dx.data());
  conv2d_backward_weights(g, x.data(), upstream.data(), dw.data(), db.data());
  CHECK(worst_gradient_error(x, dx, loss) < kTolerance);
  CHECK(worst_gradient_error(w, dw, loss) < kTolerance);
  CHECK(worst_gradient_error(b, db, loss) < kTolerance);
}

}  // namespace

TEST_CASE("conv2d same padding, stride 2, matches TensorFlow on a 3x3 input") {
  // out = ceil(3/2) = 2; total padding (2-1)*2 + 2 - 3 = 1, all of it bottom/right.
  // [[1+2+4+5, 3+6], [7+8, 9]]
  PlannedLayer layer;
  const auto y = conv_of_1_to_9(Padding::same, 2, layer);
  CHECK(layer.pad_top == 0);
  CHECK(layer.pad_bottom == 1);
  CHECK(y == std::vector<double>{12, 9, 15, 9});
}

TEST_CASE("conv2d valid padding, stride 2, on a 3x3 input") {
  PlannedLayer layer;
  CHECK(conv_of_1_to_9(Padding::valid, 2, layer) == std::vector<double>{12});
}

TEST_CASE("conv2d same padding, stride 1, even kernel pads bottom/right only") {
  // total padding 1 per dimension: windows start at the pixel itself.
  // [[1+2+4+5, 2+3+5+6, 3+6], [4+5+7+8, 5+6+8+9, 6+9], [7+8, 8+9, 9]]
  PlannedLayer layer;
  CHECK(conv_of_1_to_9(Padding::same, 1, layer) == std::vector<double>{12, 16, 9, 24, 28, 15, 15, 17, 9});
}

TEST_CASE("conv2d forward with bias and two channels, by hand") {
  // x: channel 0 all 1, channel 1 all 2 (2x2); 1x1 kernel [1, 3], bias 0.5: y = 1 + 6 + 0.5 = 7.5.
  const PlannedLayer layer = plan_one(window_layer(LayerKind::conv2d, 1, 1, 1, 1, Padding::valid, 1), Shape{2, 2, 2});
  const std::vector<double> x{1, 1, 1, 1, 2, 2, 2, 2}, w{1, 3}, b{0.5};
  std::vector<double> y(4);
  conv2d_forward(window_geometry(layer, 1), x.data(), w.data(), b.data(), y.data());
  CHECK(y == std::vector<double>{7.5, 7.5, 7.5, 7.5});
}

TEST_CASE("conv2d gradients by finite differences") {
  // Each case: input c x h x w, filters, kernel, stride, padding. Pads noted where asymmetric.
  check_conv_gradients({"same 3x3 stride 1", {2, 5, 5}, 3, 3, 3, 1, 1, Padding::same});
  check_conv_gradients({"valid 2x3 stride 1", {2, 5, 6}, 3, 2, 3, 1, 1, Padding::valid});
  // rows: out 3, padding 0 top / 1 bottom; columns: out 5, padding 0 left / 1 right
  check_conv_gradients({"same 3x2 stride (2,1), asymmetric", {2, 6, 5}, 2, 3, 2, 2, 1, Padding::same});
  // total padding 3: 1 top/left, 2 bottom/right
  check_conv_gradients({"same 4x4 stride 1, asymmetric", {1, 7, 7}, 2, 4, 4, 1, 1, Padding::same});
  check_conv_gradients({"same 3x3 stride 2, odd size", {3, 7, 5}, 2, 3, 3, 2, 2, Padding::same});
  check_conv_gradients({"valid 3x3 stride 2, leftover rows", {2, 8, 7}, 2, 3, 3, 2, 2, Padding::valid});
}

TEST_CASE("the gradient check notices a wrong gradient") {
  const PlannedLayer layer = plan_one(window_layer(LayerKind::conv2d, 3, 3, 1, 1, Padding::same, 2), Shape{1, 4, 4});
  const WindowGeometry g = window_geometry(layer, 1);
  auto x = random_tensor(g.in_size(), 1);
  const auto w = random_tensor(g.out_c * 9, 2);
  const auto upstream = random_tensor(g.out_size(), 4);
  std::vector<double> y(upstream.size()), dx(x.size());
  auto loss = [&] {
    conv2d_forward(g, x.data(), w.data(), static_cast<const double*>(nullptr), y.data());
    return dot(upstream, y);
  };
  conv2d_backward_data(g, upstream.data(), w.data(), dx.data());
  dx[5] *= 1.001;
  CHECK(worst_gradient_error(x, dx, loss) > kTolerance);
}
