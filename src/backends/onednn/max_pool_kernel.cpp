#include "backends/onednn/max_pool_kernel.hpp"

// The loops are written once in GCC's vector extensions and compiled into each path's targeted
// entry point (flatten); every function that passes vectors is inlined there.
#pragma GCC diagnostic ignored "-Wpsabi"
// GCC 12's AVX-512 headers start intrinsics from _mm512_undefined_*(), which its own
// -Wmaybe-uninitialized then reports at every inlined call.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/onednn/dropout_mask.hpp"
#include "backends/onednn/float_vectors.hpp"

namespace expt::onednn {

namespace {

// Each path's narrowing of the window positions (0-255) to bytes and widening back, which GCC
// otherwise does one lane at a time on AVX2.
struct Avx2 : FloatVectors<8> {
  __attribute__((target("avx2"))) static void store_bytes(uint8_t* p, I v) {
    const __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(__m256i(v)), _mm256_extracti128_si256(__m256i(v), 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(words, words));
  }
  __attribute__((target("avx2"))) static I load_bytes(const uint8_t* p) {
    return I(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
  __attribute__((target("avx2"))) static void stream(float* p, V v) { _mm256_stream_ps(p, __m256(v)); }
};
struct Avx512 : FloatVectors<16> {
  __attribute__((target("avx512f"))) static void store_bytes(uint8_t* p, I v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(__m512i(v)));
  }
  __attribute__((target("avx512f"))) static I load_bytes(const uint8_t* p) {
    return I(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  __attribute__((target("avx512f"))) static void stream(float* p, V v) { _mm512_stream_ps(p, __m512(v)); }
};

// The position recorded for a window that passes no gradient (max_pool_forward's input_relu).
constexpr int32_t kNoPosition = 255;

// Windows [first_ox, end_ox) of one row: input rows from `src` (the windows' top row), outputs
// and positions of one output row (no positions where `argmax` is null). `keep`: the dropout
// flags of those outputs, from first_ox on, or null. The shape is copied into locals: the byte
// stores could alias it otherwise.
template <class B>
inline void forward_row(const MaxPoolShape& s, const float* src, float* dst, uint8_t* argmax, bool input_relu,
                        const uint8_t* keep, float scale, int64_t first_ox, int64_t end_ox) {
  using V = typename B::V;
  using I = typename B::I;
  constexpr int64_t L = B::kLanes;
  const int64_t wh = s.window_h, ww = s.window_w, width = s.width;
  for (int64_t ox = first_ox; ox < end_ox; ++ox) {
    const float* window = src + ox * ww * L;
    V best = B::load(window);
    I at = I{};
    for (int64_t y = 0; y < wh; ++y)
      for (int64_t x = y == 0 ? 1 : 0; x < ww; ++x) {
        const V v = B::load(window + (y * width + x) * L);
        const I greater = v > best;  // strictly: the first maximum keeps its place
        best = greater ? v : best;
        at = greater ? I{} + static_cast<int32_t>(y * ww + x) : at;
      }
    if (input_relu) at = best > 0.0f ? at : I{} + kNoPosition;
    if (keep) {
      // Dropout's x * scale, or +0 where dropped, as DropoutPass computes it.
      const I kept = B::load_bytes(keep + (ox - first_ox) * L) != 0;
      best = kept ? best * scale : V{};
      at = kept ? at : I{} + kNoPosition;
    }
    B::store(dst + ox * L, best);
    if (argmax) B::store_bytes(argmax + ox * L, at);
  }
}

// The gradients of one row of windows: each window's output gradient at its recorded position,
// zero at the others, and zero in the columns no window covers. `stream`: the windows' vectors are
// written past the caches (diff_src on a vector boundary): the gradient is 4 times the size of
// what the pass reads (64 MB for the seed network's pool1), and each line was otherwise read
// from memory only to be overwritten.
// `scale`: the dropout on the output (none at 1, and then no multiplication).
template <class B>
inline void backward_row(const MaxPoolShape& s, const float* diff_dst, const uint8_t* argmax, float* diff_src,
                         bool stream, float scale) {
  using V = typename B::V;
  constexpr int64_t L = B::kLanes;
  const int64_t ow = s.out_w(), wh = s.window_h, ww = s.window_w, width = s.width;
  const bool scaled = scale != 1.0f;
  for (int64_t ox = 0; ox < ow; ++ox) {
    V gradient = B::load(diff_dst + ox * L);
    if (scaled) gradient *= scale;
    const typename B::I at = B::load_bytes(argmax + ox * L);
    float* window = diff_src + ox * ww * L;
    for (int64_t y = 0; y < wh; ++y)
      for (int64_t x = 0; x < ww; ++x) {
        const V g = at == static_cast<int32_t>(y * ww + x) ? gradient : V{};
        if (stream)
          B::stream(window + (y * width + x) * L, g);
        else
          B::store(window + (y * width + x) * L, g);
      }
  }
  for (int64_t y = 0; y < wh; ++y)
    std::memset(diff_src + (y * width + ow * ww) * L, 0, static_cast<size_t>((width - ow * ww) * L) * sizeof(float));
}

// The entry points each path compiles, a row of windows each, with everything above inlined.
__attribute__((target("avx2"), flatten)) void avx2_forward_row(const MaxPoolShape& s, const float* src, float* dst,
                                                               uint8_t* argmax, bool input_relu, const uint8_t* keep,
                                                               float scale, int64_t first_ox, int64_t end_ox) {
  forward_row<Avx2>(s, src, dst, argmax, input_relu, keep, scale, first_ox, end_ox);
}
__attribute__((target("avx512f"), flatten)) void avx512_forward_row(const MaxPoolShape& s, const float* src,
                                                                    float* dst, uint8_t* argmax, bool input_relu,
                                                                    const uint8_t* keep, float scale, int64_t first_ox,
                                                                    int64_t end_ox) {
  forward_row<Avx512>(s, src, dst, argmax, input_relu, keep, scale, first_ox, end_ox);
}
__attribute__((target("avx2"), flatten)) void avx2_backward_row(const MaxPoolShape& s, const float* diff_dst,
                                                                const uint8_t* argmax, float* diff_src, bool stream,
                                                                float scale) {
  backward_row<Avx2>(s, diff_dst, argmax, diff_src, stream, scale);
}
__attribute__((target("avx512f"), flatten)) void avx512_backward_row(const MaxPoolShape& s, const float* diff_dst,
                                                                     const uint8_t* argmax, float* diff_src,
                                                                     bool stream, float scale) {
  backward_row<Avx512>(s, diff_dst, argmax, diff_src, stream, scale);
}

}  // namespace

bool own_max_pool_fits(int64_t window_h, int64_t window_w) {
  return window_h > 0 && window_w > 0 && window_h * window_w <= kNoPosition;
}

int64_t max_pool_channel_block(VectorIsa isa) { return isa == VectorIsa::avx512 ? Avx512::kLanes : Avx2::kLanes; }

bool max_pool_dropout_fits(const MaxPoolShape& shape) { return shape.out_h() * shape.out_w() % 4 == 0; }

void max_pool_forward(VectorIsa isa, const MaxPoolShape& shape, const float* src, float* dst, uint8_t* argmax,
                      bool input_relu, const MaxPoolDropout* dropout) {
  const auto row = isa == VectorIsa::avx512 ? avx512_forward_row : avx2_forward_row;
  const int64_t lanes = max_pool_channel_block(isa), oh = shape.out_h(), ow = shape.out_w();
  if (!dropout) {
#pragma omp parallel for collapse(2) schedule(static)
    for (int64_t p = 0; p < shape.planes; ++p)
      for (int64_t oy = 0; oy < oh; ++oy) {
        const int64_t out = (p * oh + oy) * ow * lanes;
        row(shape, src + (p * shape.height + oy * shape.window_h) * shape.width * lanes, dst + out,
            argmax ? argmax + out : nullptr, input_relu, nullptr, 1.0f, 0, ow);
      }
    return;
  }
  // With dropout: pieces of 16 output pixels of a plane (four of the draws' quads, the plane
  // being a whole number of quads: max_pool_dropout_fits), each piece's keep flags drawn just
  // before its windows, so that the core overlaps the draws' arithmetic with the windows' loads.
  constexpr int64_t kPiece = 16;
  const int64_t pixels = oh * ow, pieces = (pixels + kPiece - 1) / kPiece;
  const BlockedMaskShape mask_shape{dropout->images, dropout->channels, pixels};
#pragma omp parallel
  {
    std::vector<uint8_t> keep(static_cast<size_t>(kPiece * lanes));
#pragma omp for collapse(2) schedule(static)
    for (int64_t p = 0; p < shape.planes; ++p)
      for (int64_t piece = 0; piece < pieces; ++piece) {
        const int64_t first = piece * kPiece, end = std::min(pixels, first + kPiece);
        const philox::DropoutMask& rule = dropout->rule;
        draw_blocked_keep_quads(isa, rule.seed, rule.layer, rule.step, rule.threshold, mask_shape, p, first / 4,
                                end / 4, keep.data());
        // The piece's windows, a part of an output row at a time.
        for (int64_t at = first; at < end;) {
          const int64_t oy = at / ow, first_ox = at % ow, end_ox = std::min(ow, first_ox + (end - at));
          const int64_t out = (p * oh + oy) * ow * lanes;
          row(shape, src + (p * shape.height + oy * shape.window_h) * shape.width * lanes, dst + out,
              argmax ? argmax + out : nullptr, input_relu, keep.data() + (at - first) * lanes, rule.scale, first_ox,
              end_ox);
          at += end_ox - first_ox;
        }
      }
  }
}

void max_pool_backward(VectorIsa isa, const MaxPoolShape& shape, const float* diff_dst, const uint8_t* argmax,
                       float* diff_src, float scale) {
  const auto row = isa == VectorIsa::avx512 ? avx512_backward_row : avx2_backward_row;
  const int64_t lanes = max_pool_channel_block(isa), oh = shape.out_h(), ow = shape.out_w();
  const int64_t covered = oh * shape.window_h;
  // Every row starts a whole number of vectors from diff_src.
  const bool stream = reinterpret_cast<uintptr_t>(diff_src) % static_cast<uintptr_t>(lanes * sizeof(float)) == 0;
#pragma omp parallel
  {
#pragma omp for collapse(2) schedule(static) nowait
    for (int64_t p = 0; p < shape.planes; ++p)
      for (int64_t oy = 0; oy < oh; ++oy) {
        const int64_t out = (p * oh + oy) * ow * lanes;
        row(shape, diff_dst + out, argmax + out,
            diff_src + (p * shape.height + oy * shape.window_h) * shape.width * lanes, stream, scale);
      }
    _mm_sfence();  // the streamed stores are weakly ordered: done before another thread reads them
    // Rows past the last whole window.
#pragma omp for schedule(static)
    for (int64_t p = 0; p < shape.planes; ++p)
      std::memset(diff_src + (p * shape.height + covered) * shape.width * lanes, 0,
                  static_cast<size_t>((shape.height - covered) * shape.width * lanes) * sizeof(float));
  }
}

}  // namespace expt::onednn
