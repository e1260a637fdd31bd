// expt's max pooling over windows that do not overlap (max_pool_kernel.hpp): the kernel against
// plain loops on each path this CPU has, with values drawn from a few levels so that windows
// often hold equal maxima, whose gradient must go to the first, the backward writing to an output
// on a vector boundary (streamed) and to one a float past it; and networks whose pools take it,
// against the reference backend.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "backends/onednn/introspection.hpp"
#include "backends/onednn/line_aligned.hpp"
#include "backends/onednn/max_pool_kernel.hpp"
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

void check_path(VectorIsa isa) {
  if (const std::string why = kernel_path_missing(isa); !why.empty()) {
    MESSAGE(why);
    return;
  }
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
