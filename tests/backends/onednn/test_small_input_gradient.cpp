// The weight gradient of convolutions with few input channels (small_input_weight_gradient.hpp):
// against direct sums in double, over strides, paddings and kernel sizes, on each path; and a
// first layer that takes it, against the reference backend.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "backends/onednn/introspection.hpp"
#include "backends/onednn/small_input_weight_gradient.hpp"
#include "cpu_requirements.hpp"
#include "parity.hpp"

namespace expt::onednn_test {

namespace {

void check_gradient(VectorIsa isa, const onednn::SmallInputConv& c) {
  REQUIRE(onednn::small_input_weight_gradient_fits(isa, c));
  const int64_t lanes = isa == VectorIsa::avx512 ? 16 : 8;  // the output gradient's nChw8c or nChw16c
  CAPTURE(c.in_channels);
  CAPTURE(c.out_channels);
  CAPTURE(c.kernel_h);
  CAPTURE(c.stride_h);
  std::mt19937 random(21);
  std::normal_distribution<float> value(0.0f, 1.0f);
  std::vector<float> src(static_cast<size_t>(c.n * c.in_channels * c.in_h * c.in_w));
  std::vector<float> dy(static_cast<size_t>(c.n * c.out_channels * c.out_h * c.out_w));
  for (auto* v : {&src, &dy})
    for (float& x : *v) x = value(random);
  const auto dy_at = [&](int64_t n, int64_t o, int64_t y, int64_t x) {
    return dy[static_cast<size_t>((((n * (c.out_channels / lanes) + o / lanes) * c.out_h + y) * c.out_w + x) * lanes +
                                  o % lanes)];
  };
  const int64_t taps = c.in_channels * c.kernel_h * c.kernel_w;
  std::vector<int64_t> offsets(static_cast<size_t>(c.out_channels * taps));
  for (size_t i = 0; i < offsets.size(); ++i) offsets[i] = static_cast<int64_t>(offsets.size() - 1 - i);  // any map
  std::vector<float> weight_grad(offsets.size(), -7.0f), bias_grad(static_cast<size_t>(c.out_channels), -7.0f);
  onednn::small_input_weight_gradient(isa, c, src.data(), dy.data(), offsets, weight_grad.data(), bias_grad.data());
  int64_t wrong = 0;
  for (int64_t o = 0; o < c.out_channels; ++o) {
    double bias = 0, bias_scale = 0;
    for (int64_t n = 0; n < c.n; ++n)
      for (int64_t y = 0; y < c.out_h; ++y)
        for (int64_t x = 0; x < c.out_w; ++x) {
          bias += dy_at(n, o, y, x);
          bias_scale += std::fabs(dy_at(n, o, y, x));
        }
    wrong += std::fabs(bias_grad[static_cast<size_t>(o)] - bias) > 1e-5 * bias_scale;
    for (int64_t k = 0; k < taps; ++k) {
      const int64_t i = k / (c.kernel_h * c.kernel_w), ky = k / c.kernel_w % c.kernel_h, kx = k % c.kernel_w;
      double sum = 0, scale = 0;
      for (int64_t n = 0; n < c.n; ++n)
        for (int64_t y = 0; y < c.out_h; ++y)
          for (int64_t x = 0; x < c.out_w; ++x) {
            const int64_t sy = y * c.stride_h - c.pad_top + ky, sx = x * c.stride_w - c.pad_left + kx;
            if (sy < 0 || sy >= c.in_h || sx < 0 || sx >= c.in_w) continue;
            const double term =
                dy_at(n, o, y, x) * static_cast<double>(src[static_cast<size_t>(((n * c.in_channels + i) * c.in_h + sy) * c.in_w + sx)]);
            sum += term;
            scale += std::fabs(term);
          }
      const float got = weight_grad[static_cast<size_t>(offsets[static_cast<size_t>(o * taps + k)])];
      wrong += std::fabs(got - sum) > 1e-5 * scale + 1e-6;
    }
  }
  CHECK(wrong == 0);
}

}  // namespace

TEST_CASE("[avx2] the few-input-channel weight gradient matches direct sums") {
  if (const std::string why = kernel_path_missing(VectorIsa::avx2); !why.empty()) {
    MESSAGE(why);
    return;
  }
  // {n, in, out, in_h, in_w, out_h, out_w, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left}:
  // 1 and 4 channels, 3x3 same (the tiles, in items of 4 rows: the last one shorter); stride 2
  // and a 5x5 kernel (the im2col, whose work items hold 128 pixels: the last case more than one).
  check_gradient(VectorIsa::avx2, {2, 1, 16, 9, 7, 9, 7, 3, 3, 1, 1, 1, 1});
  check_gradient(VectorIsa::avx2, {2, 4, 16, 17, 15, 17, 15, 3, 3, 1, 1, 1, 1});
  check_gradient(VectorIsa::avx2, {3, 3, 32, 11, 10, 6, 5, 3, 3, 2, 2, 1, 1});
  check_gradient(VectorIsa::avx2, {1, 2, 16, 8, 8, 8, 8, 5, 5, 1, 1, 2, 2});
  check_gradient(VectorIsa::avx2, {2, 1, 16, 30, 30, 15, 15, 3, 3, 2, 2, 1, 1});
}

TEST_CASE("[avx512_core] the few-input-channel weight gradient on the AVX-512 path matches direct sums") {
  if (const std::string why = kernel_path_missing(VectorIsa::avx512); !why.empty()) {
    MESSAGE(why);
    return;
  }
  // 1, 3 and 4 channels, 3x3 at stride 1: `same` (a last item of fewer rows than the others),
  // `valid` (no padding), padding on one side only; two output blocks.
  check_gradient(VectorIsa::avx512, {2, 1, 16, 9, 7, 9, 7, 3, 3, 1, 1, 1, 1});
  check_gradient(VectorIsa::avx512, {3, 3, 32, 11, 10, 9, 8, 3, 3, 1, 1, 0, 0});
  check_gradient(VectorIsa::avx512, {2, 4, 16, 17, 15, 17, 15, 3, 3, 1, 1, 1, 1});
  check_gradient(VectorIsa::avx512, {1, 3, 32, 10, 12, 9, 11, 3, 3, 1, 1, 1, 0});
}

// A 3-channel first layer with 3x3 windows at stride 1 takes the tiles on both paths; a
// 1-channel one with 5x5 windows takes AVX2's im2col, and stays oneDNN's on AVX-512.
TEST_CASE("first layers take the few-input-channel gradient where it applies, with the reference's results") {
  const VectorIsa isa = onednn::kernel_isa();
  if (isa == VectorIsa::scalar) {
    MESSAGE("skipped: the few-input-channel weight gradient has no scalar path, and the kernels take it here");
    return;
  }
  struct Case {
    int64_t channels, kernel, stride;
    bool own;
  };
  for (const Case c : {Case{3, 3, 1, true}, Case{1, 5, 1, isa == VectorIsa::avx2}}) {
    CAPTURE(c.channels);
    NetworkOptions options;
    options.optimizer.kind = OptimizerConfig::Kind::sgd;
    options.max_batch = 3;
    options.seed = 5;
    Pair p = build_pair(named({conv(16, c.kernel, c.stride, Padding::same, Activation::relu),
                               conv(16, 3, 2, Padding::same), dense(3)}),
                        Shape{c.channels, 13, 12}, 3, options);
    const std::string kernel = "expt:" + std::string(name_of(vector_isa_names, isa));
    CHECK(check_own_kernel(*p.tested, kernel, [&](const onednn::PrimitiveInfo& info) {
            return c.own && info.layer == "conv2d0" && info.primitive == "convolution backward weights";
          }) == (c.own ? 1 : 0));
    const Batch batch = random_batch(p.plan, 3, 6);
    check_forward_backward(p, batch, 3, 0);
    parity::check_after_steps(p, batch, 3, 3, Tolerance{kRel, kAbs});
  }
}

}  // namespace expt::onednn_test
