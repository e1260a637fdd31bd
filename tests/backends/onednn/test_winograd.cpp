// expt's Winograd F(4x4, 3x3) convolution (winograd_conv.hpp): the kernel against a direct
// convolution summed in double, in all three directions, on odd and even image sizes, on each
// path this CPU has; and a network whose convolutions take it, against the reference backend.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "backends/onednn/winograd_conv.hpp"
#include "backends/onednn/introspection.hpp"
#include "backends/onednn/line_aligned.hpp"
#include "cpu_requirements.hpp"
#include "parity.hpp"

namespace expt::onednn_test {

namespace {

// The channels per block of the layout the kernel reads (8 on AVX2, 16 on AVX-512): set per path.
int64_t block = 8;

// Element (image, channel, y, x) of an nChw8c or nChw16c tensor.
int64_t blocked_index(int64_t channels, int64_t h, int64_t w, int64_t n, int64_t c, int64_t y, int64_t x) {
  return (((n * (channels / block) + c / block) * h + y) * w + x) * block + c % block;
}

struct Case {
  onednn::WinogradShape shape;
  std::vector<float> src, weights, bias;  // nChw8c, oihw, per output channel
};

Case random_case(onednn::WinogradShape shape, uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<float> value(0.0f, 1.0f);
  Case c{shape, {}, {}, {}};
  c.src.resize(static_cast<size_t>(shape.n * shape.in_channels * shape.height * shape.width));
  c.weights.resize(static_cast<size_t>(shape.out_channels * shape.in_channels * 9));
  c.bias.resize(static_cast<size_t>(shape.out_channels));
  for (auto* v : {&c.src, &c.weights, &c.bias})
    for (float& x : *v) x = value(random);
  return c;
}

// The direct convolution (padding 1), in double; `backward_data` convolves with the weights
// rotated and their channels swapped, as backward-data does.
std::vector<double> direct(const Case& c, bool backward_data) {
  const onednn::WinogradShape& s = c.shape;
  std::vector<double> out(static_cast<size_t>(s.n * s.out_channels * s.height * s.width));
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t o = 0; o < s.out_channels; ++o)
      for (int64_t y = 0; y < s.height; ++y)
        for (int64_t x = 0; x < s.width; ++x) {
          double sum = 0;
          for (int64_t i = 0; i < s.in_channels; ++i)
            for (int64_t ky = 0; ky < 3; ++ky)
              for (int64_t kx = 0; kx < 3; ++kx) {
                const int64_t sy = y + ky - 1, sx = x + kx - 1;
                if (sy < 0 || sy >= s.height || sx < 0 || sx >= s.width) continue;
                const int64_t w = backward_data ? ((i * s.out_channels + o) * 3 + 2 - ky) * 3 + 2 - kx
                                                : ((o * s.in_channels + i) * 3 + ky) * 3 + kx;
                sum += static_cast<double>(c.src[static_cast<size_t>(
                           blocked_index(s.in_channels, s.height, s.width, n, i, sy, sx))]) *
                       c.weights[static_cast<size_t>(w)];
              }
          out[static_cast<size_t>(blocked_index(s.out_channels, s.height, s.width, n, o, y, x))] = sum;
        }
  return out;
}

// `gated`: the output passes only where a random tensor of its shape is positive (backward-data
// applying the backward of the ReLU whose output the forward read). `aligned_output`: the output
// starts on a cache line, as oneDNN's buffers do, and the kernel streams it past the caches;
// otherwise one float past one, and the kernel stores it through them.
void check_case(VectorIsa isa, const onednn::WinogradShape& shape, bool backward_data, bool with_bias, bool relu,
                bool gated = false, bool aligned_output = true) {
  CAPTURE(gated);
  CAPTURE(aligned_output);
  CAPTURE(shape.n);
  CAPTURE(shape.in_channels);
  CAPTURE(shape.out_channels);
  CAPTURE(shape.height);
  CAPTURE(shape.width);
  CAPTURE(backward_data);
  const Case c = random_case(shape, 7);
  // The weights as a convolution from in_channels to out_channels stores them: backward-data's
  // are the forward's {in, out} weights read with the roles swapped.
  const int64_t weight_out = backward_data ? shape.in_channels : shape.out_channels;
  const int64_t weight_in = backward_data ? shape.out_channels : shape.in_channels;
  std::vector<int64_t> offsets(c.weights.size());
  for (size_t i = 0; i < offsets.size(); ++i) offsets[i] = static_cast<int64_t>(i);
  std::vector<float> transformed(static_cast<size_t>(onednn::winograd_weights_floats(weight_in, weight_out)));
  onednn::winograd_weights(weight_out, weight_in, c.weights.data(), offsets, backward_data, transformed.data());
  const int64_t count = shape.n * shape.out_channels * shape.height * shape.width;
  std::vector<float> output_buffer;
  float* got = onednn::line_aligned(output_buffer, count + 1) + (aligned_output ? 0 : 1);
  std::fill(got, got + count, -7.0f);
  onednn::WinogradShape gate_shape = shape;  // a case whose input has the output's shape
  std::swap(gate_shape.in_channels, gate_shape.out_channels);
  const std::vector<float> gate = random_case(gate_shape, 8).src;
  onednn::winograd_convolution(isa, shape, c.src.data(), transformed.data(), with_bias ? c.bias.data() : nullptr, relu,
                               gated ? gate.data() : nullptr, got);
  const std::vector<double> want = direct(c, backward_data);
  double largest = 0, worst = 0;
  int64_t wrong_sign = 0, closed_but_passed = 0;
  for (size_t i = 0; i < static_cast<size_t>(count); ++i) {
    const auto at = static_cast<int64_t>(i);
    const int64_t o = at / (block * shape.height * shape.width) % (shape.out_channels / block) * block + at % block;
    double w = want[i] + (with_bias ? c.bias[static_cast<size_t>(o)] : 0.0);
    if (relu) w = std::max(w, 0.0);
    largest = std::max(largest, std::fabs(w));
    if (gated && !(gate[i] > 0.0f)) {
      closed_but_passed += got[i] != 0.0f;
      continue;
    }
    worst = std::max(worst, std::fabs(got[i] - w));
    wrong_sign += relu && got[i] < 0.0f;
  }
  CHECK(wrong_sign == 0);
  CHECK(closed_but_passed == 0);
  CHECK(largest > 1.0);
  // Float rounding in the transforms and the sums: up to 6e-6 of the largest output in these
  // cases, the transforms multiplying by up to 8 and dividing by 24.
  CHECK(worst <= 1e-5 * largest);
}

// The weight and bias gradients against direct sums in double; each element's tolerance scales
// with the sum of its terms' magnitudes, since the terms cancel.
void check_weight_gradient(VectorIsa isa, const onednn::WinogradShape& shape) {
  CAPTURE(shape.n);
  CAPTURE(shape.in_channels);
  CAPTURE(shape.out_channels);
  CAPTURE(shape.height);
  CAPTURE(shape.width);
  const Case c = random_case(shape, 11);
  onednn::WinogradShape gradient_shape = shape;
  std::swap(gradient_shape.in_channels, gradient_shape.out_channels);
  const Case dy = random_case(gradient_shape, 12);  // its src: the gradient at the output
  const int64_t in = shape.in_channels, out = shape.out_channels, h = shape.height, w = shape.width;
  std::vector<int64_t> offsets(static_cast<size_t>(out * in * 9));
  for (size_t i = 0; i < offsets.size(); ++i) offsets[i] = static_cast<int64_t>(i);
  std::vector<float> weight_grad(offsets.size(), -7.0f), bias_grad(static_cast<size_t>(out), -7.0f);
  onednn::winograd_weight_gradient(isa, shape, c.src.data(), dy.src.data(), offsets, weight_grad.data(), bias_grad.data());
  int64_t wrong = 0;
  for (int64_t o = 0; o < out; ++o) {
    double bias = 0, bias_scale = 0;
    for (int64_t n = 0; n < shape.n; ++n)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          const double g = dy.src[static_cast<size_t>(blocked_index(out, h, w, n, o, y, x))];
          bias += g;
          bias_scale += std::fabs(g);
        }
    wrong += std::fabs(bias_grad[static_cast<size_t>(o)] - bias) > 1e-5 * bias_scale;
    for (int64_t i = 0; i < in; ++i)
      for (int64_t ky = 0; ky < 3; ++ky)
        for (int64_t kx = 0; kx < 3; ++kx) {
          double sum = 0, scale = 0;
          for (int64_t n = 0; n < shape.n; ++n)
            for (int64_t y = 0; y < h; ++y)
              for (int64_t x = 0; x < w; ++x) {
                const int64_t sy = y + ky - 1, sx = x + kx - 1;
                if (sy < 0 || sy >= h || sx < 0 || sx >= w) continue;
                const double term = static_cast<double>(dy.src[static_cast<size_t>(blocked_index(out, h, w, n, o, y, x))]) *
                                    c.src[static_cast<size_t>(blocked_index(in, h, w, n, i, sy, sx))];
                sum += term;
                scale += std::fabs(term);
              }
          const float got = weight_grad[static_cast<size_t>(((o * in + i) * 3 + ky) * 3 + kx)];
          wrong += std::fabs(got - sum) > 1e-5 * scale + 1e-6;
        }
  }
  CHECK(wrong == 0);
}

void check_path(VectorIsa isa, int64_t channels) {
  if (const std::string why = kernel_path_missing(isa); !why.empty()) {
    MESSAGE(why);
    return;
  }
  block = onednn::winograd_channel_block(isa);
  // Odd and even sizes (partial tiles at the right and bottom), more tiles than one work item,
  // and one and several channel steps of the path (`channels`: 16 on AVX2, 32 on AVX-512).
  const int64_t c = channels;
  for (const onednn::WinogradShape shape :
       {onednn::WinogradShape{2, c, 2 * c, 7, 5}, onednn::WinogradShape{1, 2 * c, c, 6, 6},
        onednn::WinogradShape{3, c, c, 11, 13}, onednn::WinogradShape{1, 3 * c, 4 * c, 1, 2},
        onednn::WinogradShape{1, c, c, 18, 17}}) {
    REQUIRE(onednn::winograd_channels_fit(isa, shape.in_channels, shape.out_channels));
    check_case(isa, shape, false, true, true);
    check_case(isa, shape, false, false, false);
    check_case(isa, shape, false, true, true, false, /*aligned_output=*/false);
    check_case(isa, shape, true, false, false);
    check_case(isa, shape, true, false, false, true);
    check_weight_gradient(isa, shape);
  }
}

}  // namespace

TEST_CASE("[avx2] Winograd F(4x4, 3x3) on the AVX2 path matches a direct convolution in all three directions") {
  check_path(VectorIsa::avx2, 16);
}

TEST_CASE("[avx512_core] Winograd F(4x4, 3x3) on the AVX-512 path matches a direct convolution in all three directions") {
  check_path(VectorIsa::avx512, 32);
}

TEST_CASE("convolutions run expt's Winograd where it pays, with the reference backend's results") {
  if (const std::string why = kernel_path_missing(VectorIsa::avx2); !why.empty()) {  // there is no scalar path
    MESSAGE(why);
    return;
  }
  const VectorIsa isa = onednn::kernel_isa();
  // SGD after the first step: Adam divides by the gradients' magnitude, which makes rounding in
  // the near-zero ones as large as any other update.
  NetworkOptions options;
  options.optimizer.kind = OptimizerConfig::Kind::sgd;
  options.max_batch = 3;
  options.seed = 99;
  const int64_t c = 2 * onednn::winograd_channel_block(isa);  // the channels one product step takes
  Pair p = build_pair(named({conv(2 * c, 3, 1, Padding::same, Activation::relu), conv(c, 3, 1, Padding::same),
                             conv(c, 3, 2, Padding::same, Activation::relu), dense(3)}),
                      Shape{c, 13, 10}, 3, options);  // partial tiles; work items across images
  // All three directions of the two stride-1 layers.
  const std::string kernel = "expt_wino_4x3:" + std::string(name_of(vector_isa_names, isa));
  CHECK(check_own_kernel(*p.tested, kernel, [](const onednn::PrimitiveInfo& info) {
          return info.layer != "conv2d2" && info.primitive.starts_with("convolution");
        }) == 6);
  const Batch batch = random_batch(p.plan, 3, 5);
  check_forward_backward(p, batch, 3, 0);
  parity::check_after_steps(p, batch, 3, 3, Tolerance{kRel, kAbs});
}

}  // namespace expt::onednn_test
