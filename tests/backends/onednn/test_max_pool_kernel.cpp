// expt's max pooling over windows that do not overlap (max_pool_kernel.hpp): the kernel against
// plain loops on each path this CPU has, with values drawn from a few levels so that windows
// often hold equal maxima, whose gradient must go to the first, the backward writing to an output
// on a vector boundary (streamed) and to one a float past it, and with the dropout after it done
// in the same pass; and networks whose pools take it, and the dropout after it, against the
// reference backend.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "backends/onednn/dropout_mask.hpp"
#include "backends/onednn/introspection.hpp"
#include "backends/onednn/line_aligned.hpp"
#include "backends/onednn/max_pool_kernel.hpp"
#include "core/philox.hpp"
#include "cpu_requirements.hpp"
#include "parity.hpp"

namespace expt::onednn_test {

namespace {

// Forward and backward on one shape against the plain loops, element by element. `input_relu`:
// the values (all at least 0) are a ReLU's output, whose backward the pooling applies.
// The backward streams its stores to an output on a vector boundary (`aligned_output`), and
// stores them to one a float past it.
std::vector<float> backward(VectorIsa isa, const onednn::MaxPoolShape& s, const std::vector<float>& diff_dst,
                            const std::vector<uint8_t>& argmax, size_t size, bool aligned_output) {
  std::vector<float> buffer;
  float* at = onednn::line_aligned(buffer, static_cast<int64_t>(size) + 1) + (aligned_output ? 0 : 1);
  std::fill(at, at + size, -1.0f);
  onednn::max_pool_backward(isa, s, diff_dst.data(), argmax.data(), at);
  return std::vector<float>(at, at + size);
}

void check_kernel(VectorIsa isa, const onednn::MaxPoolShape& s, bool input_relu = false, bool aligned_output = true) {
  CAPTURE(input_relu);
  CAPTURE(aligned_output);
  CAPTURE(s.height);
  CAPTURE(s.width);
  CAPTURE(s.window_h);
  CAPTURE(s.window_w);
  const int64_t lanes = onednn::max_pool_channel_block(isa), oh = s.out_h(), ow = s.out_w();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> level(0, 3);
  std::vector<float> src(static_cast<size_t>(s.planes * s.height * s.width * lanes));
  // After a ReLU, three values in four are zero: many windows hold nothing else.
  for (float& x : src) x = static_cast<float>(input_relu ? std::max(0, level(rng) - 2) : level(rng));
  std::vector<float> diff_dst(static_cast<size_t>(s.planes * oh * ow * lanes));
  for (size_t i = 0; i < diff_dst.size(); ++i) diff_dst[i] = 1.0f + static_cast<float>(i % 97);

  std::vector<float> dst(diff_dst.size(), -1.0f);
  std::vector<uint8_t> argmax(diff_dst.size());
  onednn::max_pool_forward(isa, s, src.data(), dst.data(), argmax.data(), input_relu);
  const std::vector<float> diff_src = backward(isa, s, diff_dst, argmax, src.size(), aligned_output);

  std::vector<float> want_dst(dst.size()), want_diff_src(src.size(), 0.0f);
  const auto at = [&](int64_t p, int64_t y, int64_t x, int64_t l) { return ((p * s.height + y) * s.width + x) * lanes + l; };
  for (int64_t p = 0; p < s.planes; ++p)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox)
        for (int64_t l = 0; l < lanes; ++l) {
          int64_t best = at(p, oy * s.window_h, ox * s.window_w, l);
          for (int64_t y = 0; y < s.window_h; ++y)
            for (int64_t x = 0; x < s.window_w; ++x) {
              const int64_t i = at(p, oy * s.window_h + y, ox * s.window_w + x, l);
              if (src[static_cast<size_t>(i)] > src[static_cast<size_t>(best)]) best = i;
            }
          const auto out = static_cast<size_t>(((p * oh + oy) * ow + ox) * lanes + l);
          want_dst[out] = src[static_cast<size_t>(best)];
          const bool passes = !input_relu || src[static_cast<size_t>(best)] > 0.0f;
          want_diff_src[static_cast<size_t>(best)] = passes ? diff_dst[out] : 0.0f;
        }
  CHECK(dst == want_dst);
  CHECK(diff_src == want_diff_src);
}

// The dropout applied in the same pass: the outputs and positions of the forward without it,
// then the blocked keep mask over them (kept: times the scale; dropped: +0 and no position), and
// the backward with the scale as the plain backward of the gradient the dropout passes on. The
// forward without positions (a read of the output) writes the same outputs.
void check_kernel_with_dropout(VectorIsa isa, int64_t images, int64_t channels, int64_t height, int64_t width) {
  CAPTURE(channels);
  CAPTURE(width);
  const int64_t lanes = onednn::max_pool_channel_block(isa);
  const onednn::MaxPoolShape s{images * ((channels + lanes - 1) / lanes), height, width, 2, 2};
  REQUIRE(onednn::max_pool_dropout_fits(s));
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> level(-2, 3);
  std::vector<float> src(static_cast<size_t>(s.planes * height * width * lanes));
  for (float& x : src) x = static_cast<float>(level(rng)) * 0.3f;
  const size_t outputs = static_cast<size_t>(s.planes * s.out_h() * s.out_w() * lanes);
  std::vector<float> plain_dst(outputs), dst(outputs), read_dst(outputs, -1.0f);
  std::vector<uint8_t> plain_argmax(outputs), argmax(outputs), mask(outputs);
  onednn::max_pool_forward(isa, s, src.data(), plain_dst.data(), plain_argmax.data(), true);

  const uint64_t step = 17;
  const philox::DropoutMask rule = philox::dropout_mask(99, 4, step, 0.6);
  const onednn::MaxPoolDropout dropout{rule, images, channels};
  onednn::max_pool_forward(isa, s, src.data(), dst.data(), argmax.data(), true, &dropout);
  onednn::draw_blocked_keep_mask(isa, rule.seed, rule.layer, step, rule.threshold, mask.data(),
                                 {images, channels, s.out_h() * s.out_w()});
  std::vector<float> diff_dst(outputs), passed_on(outputs);
  size_t kept = 0;
  for (size_t i = 0; i < outputs; ++i) {
    const float want = mask[i] ? plain_dst[i] * rule.scale : 0.0f;
    if (std::memcmp(&dst[i], &want, sizeof(float)) != 0 || argmax[i] != (mask[i] ? plain_argmax[i] : 255)) {
      CAPTURE(i);
      FAIL_CHECK("output or position differs from the pooling followed by dropout");
      break;
    }
    kept += mask[i];
    diff_dst[i] = 1.0f + static_cast<float>(i % 89) * 0.25f;
    passed_on[i] = mask[i] ? diff_dst[i] * rule.scale : 0.0f;
  }
  CHECK(kept > 0);
  CHECK(kept < outputs);
  std::vector<float> diff_src(src.size()), want_diff_src(src.size());
  onednn::max_pool_backward(isa, s, diff_dst.data(), argmax.data(), diff_src.data(), rule.scale);
  onednn::max_pool_backward(isa, s, passed_on.data(), plain_argmax.data(), want_diff_src.data());
  CHECK(diff_src == want_diff_src);
  onednn::max_pool_forward(isa, s, src.data(), read_dst.data(), nullptr, false);
  CHECK(read_dst == plain_dst);
}

void check_path(VectorIsa isa) {
  if (const std::string why = kernel_path_missing(isa); !why.empty()) {
    MESSAGE(why);
    return;
  }
  // Channels that fill their blocks, and 20, which leaves the last block part padding; rows of
  // one, two and ten quads of output pixels, and rows of 7 and 5, whose quads and pieces (the
  // flags are drawn four quads at a time) run on into the next row; rows and columns no window
  // covers.
  check_kernel_with_dropout(isa, 2, 16, 8, 8);
  check_kernel_with_dropout(isa, 3, 20, 9, 17);
  check_kernel_with_dropout(isa, 1, 16, 4, 81);
  check_kernel_with_dropout(isa, 2, 20, 8, 14);
  check_kernel_with_dropout(isa, 1, 16, 17, 11);
  // 2x2 on even sizes; rows and columns no window covers (odd sizes); 3x3; a non-square window.
  check_kernel(isa, {3, 8, 6, 2, 2});
  check_kernel(isa, {2, 9, 7, 2, 2});
  check_kernel(isa, {2, 11, 10, 3, 3});
  check_kernel(isa, {1, 6, 9, 2, 3});
  check_kernel(isa, {2, 9, 7, 2, 2}, true);
  check_kernel(isa, {2, 9, 7, 2, 2}, false, false);
}

}  // namespace

TEST_CASE("[avx2] max pooling on the AVX2 path matches plain loops, ties to the first maximum") {
  check_path(VectorIsa::avx2);
}

TEST_CASE("[avx512_core] max pooling on the AVX-512 path matches plain loops, ties to the first maximum") {
  check_path(VectorIsa::avx512);
}

TEST_CASE("max pools whose windows do not overlap run expt's kernel, with the reference backend's results") {
  if (const std::string why = kernel_path_missing(VectorIsa::avx2); !why.empty()) {  // there is no scalar path
    MESSAGE(why);
    return;
  }
  const VectorIsa isa = onednn::kernel_isa();
  const std::string kernel = "expt:" + std::string(name_of(vector_isa_names, isa));
  struct Case {
    int64_t window;
    Padding padding;
    Shape input;
    Activation activation;
  };
  // 20 channels leave the last block part padding; `valid` on odd sizes leaves pixels no window
  // covers; `same` on sizes the window divides needs no padding; after a ReLU the pool applies
  // the ReLU's backward, and the convolution leaves it out.
  for (const Case c : {Case{2, Padding::valid, Shape{3, 9, 7}, Activation::relu},
                       Case{2, Padding::same, Shape{3, 8, 6}, Activation::none},
                       Case{3, Padding::valid, Shape{3, 11, 9}, Activation::relu}}) {
    CAPTURE(c.window);
    Pair p = build_pair(named({conv(20, 3, 1, Padding::same, c.activation),
                               pool(LayerKind::max_pool, c.window, c.window, c.window, c.window, c.padding), dense(4)}),
                        c.input, 4, sgd_options(2));
    CHECK(check_own_kernel(*p.tested, kernel, [](const onednn::PrimitiveInfo& info) {
            return info.layer.starts_with("max_pool");
          }) == 2);
    check_forward_backward(p, random_batch(p.plan, 2, 5), 2, 0);
  }
  // A dropout after it, alone reading it, runs inside it (no time of its own in training) with the
  // reference's mask, at any step; the pool's own output still reads back, and in evaluation the
  // dropout is the identity. 8 x 14 pixels pool to 4 x 7, whose quads of the dropout's draws run
  // across rows; 6 x 10 pool to 3 x 5, not a whole number of quads, and that dropout stays a
  // pass of its own.
  for (const int64_t width : {14, 10}) {
    CAPTURE(width);
    NetworkOptions options = sgd_options(2);
    options.profile = true;
    Pair p = build_pair(named({conv(20, 3, 1, Padding::same, Activation::relu),
                               pool(LayerKind::max_pool, 2, 2, 2, 2, Padding::valid),
                               simple(LayerKind::dropout, 0.5), dense(4)}),
                        Shape{3, width == 14 ? 8 : 6, width}, 4, options);
    const Batch batch = random_batch(p.plan, 2, 5);
    for (const uint64_t step : {0u, 3u}) check_forward_backward(p, batch, 2, step);
    const LayerTiming dropout = p.tested->timings()[2];
    CHECK((dropout.forward_ms + dropout.backward_data_ms == 0) == (width == 14));
    p.reference->forward(batch.host(2), Phase::eval, 0);
    p.tested->forward(batch.host(2), Phase::eval, 0);
    for (size_t l = 1; l < 3; ++l)
      check_close(read_activation(*p.tested, l, 2), read_activation(*p.reference, l, 2), "evaluation");
  }
  // A pool with padding, and one whose windows overlap, stay oneDNN's, and the ReLU's backward
  // stays the convolution's.
  Pair p = build_pair(named({conv(20, 3, 1, Padding::same, Activation::relu),
                             pool(LayerKind::max_pool, 2, 2, 2, 2, Padding::same),
                             pool(LayerKind::max_pool, 2, 2, 1, 1, Padding::valid), dense(4)}),
                      Shape{3, 9, 7}, 4, sgd_options(2));
  CHECK(check_own_kernel(*p.tested, kernel, [](const onednn::PrimitiveInfo&) { return false; }) == 0);
  check_forward_backward(p, random_batch(p.plan, 2, 5), 2, 0);
}

}  // namespace expt::onednn_test
