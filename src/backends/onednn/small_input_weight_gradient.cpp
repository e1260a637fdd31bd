#include "backends/onednn/small_input_weight_gradient.hpp"

// The tile path passes vectors between functions inlined into each path's targeted entry point.
#pragma GCC diagnostic ignored "-Wpsabi"
#include <immintrin.h>
#include <omp.h>

#include <algorithm>

#include "backends/onednn/float_vectors.hpp"
#include "backends/onednn/line_aligned.hpp"

namespace expt::onednn {

namespace {

constexpr int64_t kMaxInputs = 4;  // input channels the kernel takes

// AVX2's im2col path, for windows and strides the tiles (below) do not take.
constexpr int64_t kLanes = 8;          // output channels per nChw8c block, and per AVX2 vector
constexpr int64_t kPixels = 128;       // output pixels per work item: its im2col stays in L1
constexpr int kRows = 6;               // kernel taps per product step: 12 accumulators

// acc[k][o..o+15] += sum over the item's pixels of col[k][p] * dY[p][o..o+15], for Rows taps
// from `col` (kPixels apart) and the two nChw8c blocks dy0 and dy1.
template <int Rows>
__attribute__((target("avx2,fma"), always_inline)) inline void taps(const float* col, const float* dy0,
                                                                     const float* dy1, int64_t pixels, float* acc,
                                                                     int64_t out) {
  __m256 sum[Rows][2];
#pragma GCC unroll 6
  for (int r = 0; r < Rows; ++r) {
    sum[r][0] = _mm256_loadu_ps(acc + r * out);
    sum[r][1] = _mm256_loadu_ps(acc + r * out + kLanes);
  }
  for (int64_t p = 0; p < pixels; ++p) {
    const __m256 d0 = _mm256_loadu_ps(dy0 + p * kLanes), d1 = _mm256_loadu_ps(dy1 + p * kLanes);
#pragma GCC unroll 6
    for (int r = 0; r < Rows; ++r) {
      const __m256 x = _mm256_set1_ps(col[r * kPixels + p]);
      sum[r][0] = _mm256_fmadd_ps(x, d0, sum[r][0]);
      sum[r][1] = _mm256_fmadd_ps(x, d1, sum[r][1]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < Rows; ++r) {
    _mm256_storeu_ps(acc + r * out, sum[r][0]);
    _mm256_storeu_ps(acc + r * out + kLanes, sum[r][1]);
  }
}

// One work item: output pixels [first, first + pixels) of image n, summed into acc [taps][out]
// and bias [out]; col: the item's im2col, [taps][kPixels].
__attribute__((target("avx2,fma"), flatten)) void item(const SmallInputConv& c, int64_t n, int64_t first,
                                                       int64_t pixels, const float* src, const float* diff_dst,
                                                       float* col, float* acc, float* bias) {
  const int64_t taps_count = c.in_channels * c.kernel_h * c.kernel_w, out = c.out_channels;
  // The top-left input position of each pixel's window, worked out once per item.
  int64_t top[kPixels], left[kPixels];
  for (int64_t p = 0, y = first / c.out_w, x = first % c.out_w; p < pixels; ++p) {
    top[p] = y * c.stride_h - c.pad_top;
    left[p] = x * c.stride_w - c.pad_left;
    if (++x == c.out_w) x = 0, ++y;
  }
  for (int64_t k = 0; k < taps_count; ++k) {
    const int64_t i = k / (c.kernel_h * c.kernel_w), ky = k / c.kernel_w % c.kernel_h, kx = k % c.kernel_w;
    const float* plane = src + (n * c.in_channels + i) * c.in_h * c.in_w;
    for (int64_t p = 0; p < pixels; ++p) {
      const int64_t sy = top[p] + ky, sx = left[p] + kx;
      col[k * kPixels + p] = sy >= 0 && sy < c.in_h && sx >= 0 && sx < c.in_w ? plane[sy * c.in_w + sx] : 0.0f;
    }
  }
  const int64_t plane = c.out_h * c.out_w * kLanes;
  for (int64_t o = 0; o < out; o += 2 * kLanes) {
    const float* dy0 = diff_dst + (n * (out / kLanes) + o / kLanes) * plane + first * kLanes;
    const float* dy1 = dy0 + plane;
    for (int64_t k = 0; k < taps_count; k += kRows) {
      const float* taps_col = col + k * kPixels;
      float* at = acc + k * out + o;
      switch (std::min<int64_t>(kRows, taps_count - k)) {
        case 6: taps<6>(taps_col, dy0, dy1, pixels, at, out); break;
        case 5: taps<5>(taps_col, dy0, dy1, pixels, at, out); break;
        case 4: taps<4>(taps_col, dy0, dy1, pixels, at, out); break;
        case 3: taps<3>(taps_col, dy0, dy1, pixels, at, out); break;
        case 2: taps<2>(taps_col, dy0, dy1, pixels, at, out); break;
        default: taps<1>(taps_col, dy0, dy1, pixels, at, out); break;
      }
    }
    for (int64_t b = 0; b < 2; ++b) {
      const float* dy = b == 0 ? dy0 : dy1;
      __m256 sum = _mm256_loadu_ps(bias + o + b * kLanes);
      for (int64_t p = 0; p < pixels; ++p) sum = _mm256_add_ps(sum, _mm256_loadu_ps(dy + p * kLanes));
      _mm256_storeu_ps(bias + o + b * kLanes, sum);
    }
  }
}

// 3x3 windows at stride 1, on either path: no im2col. A work item is kRowsPerItem output rows of
// one image; the input rows their windows reach, each channel's, are copied into a tile that
// holds the padding as zeros, so that every window lies inside it. Then, per block of outputs
// (nChw8c, nChw16c) and per input channel, each pixel's output gradient vector is multiplied by
// its window's 9 inputs, each broadcast from the tile, into 9 accumulators (and for the first
// channel a 10th sums the bias gradient). The work is the products themselves: 9 multiply-adds
// per block, input channel and pixel.
constexpr int64_t kRowsPerItem = 4;  // output rows per work item
// How far ahead the first channel's pass asks for the gradients: 64 pixels gave the seed
// network's conv1 5.5-6.2 ms against 6.3-9.6 without on AVX-512 (docs/onednn-notes.md §19).
constexpr int64_t kPrefetchPixels = 64;

// acc[t * out + 0..lanes), t < 9 (the block's column of one input channel's accumulators) += the
// block's products over the item's pixels with that channel's tile, and bias[0..lanes) += the
// gradients, when WithBias: the first channel's pass, which reads the gradients from memory and
// prefetches them; the later channels' passes find them in the core's caches.
// P: FloatVectors of the path's block. `sum += x * g` becomes one FMA in each path's targeted
// entry point (GNU mode contracts it, as in winograd_conv.cpp).
template <class P, bool WithBias>
inline void channel_block(const float* tile, int64_t tile_w, const float* dy, int64_t rows, int64_t width, float* acc,
                          int64_t out, float* bias) {
  constexpr int64_t L = P::kLanes;
  typename P::V sum[9];
#pragma GCC unroll 9
  for (int t = 0; t < 9; ++t) sum[t] = P::load(acc + t * out);
  typename P::V bias_sum = WithBias ? P::load(bias) : typename P::V{};
  for (int64_t r = 0; r < rows; ++r) {
    const float* top = tile + r * tile_w;
    const float* d = dy + r * width * L;
    for (int64_t x = 0; x < width; ++x) {
      if (WithBias) __builtin_prefetch(d + (x + kPrefetchPixels) * L);
      const typename P::V g = P::load(d + x * L);
#pragma GCC unroll 9
      for (int t = 0; t < 9; ++t) sum[t] += top[t / 3 * tile_w + x + t % 3] * g;
      if (WithBias) bias_sum += g;
    }
  }
#pragma GCC unroll 9
  for (int t = 0; t < 9; ++t) P::store(acc + t * out, sum[t]);
  if (WithBias) P::store(bias, bias_sum);
}

// Output rows [first_row, first_row + rows) of image n; tile: room for one channel's tile per
// input channel.
template <class P>
inline void tile_item(const SmallInputConv& c, int64_t n, int64_t first_row, int64_t rows, const float* src,
                      const float* diff_dst, float* tile, float* acc, float* bias) {
  constexpr int64_t L = P::kLanes;
  const int64_t tile_w = c.out_w + 2, tile_h = rows + 2, out = c.out_channels;
  for (int64_t i = 0; i < c.in_channels; ++i) {
    const float* plane = src + (n * c.in_channels + i) * c.in_h * c.in_w;
    for (int64_t r = 0; r < tile_h; ++r) {
      float* line = tile + (i * tile_h + r) * tile_w;
      const int64_t sy = first_row - c.pad_top + r;
      std::fill(line, line + tile_w, 0.0f);
      if (sy < 0 || sy >= c.in_h) continue;
      // Tile column x holds input column x - pad_left.
      const int64_t from = std::max<int64_t>(0, c.pad_left), to = std::min(tile_w, c.in_w + c.pad_left);
      const float* input_row = plane + sy * c.in_w;
      if (to > from) std::copy(input_row + (from - c.pad_left), input_row + (to - c.pad_left), line + from);
    }
  }
  const int64_t blocks = out / L;
  for (int64_t b = 0; b < blocks; ++b) {
    const float* dy = diff_dst + ((n * blocks + b) * c.out_h + first_row) * c.out_w * L;
    for (int64_t i = 0; i < c.in_channels; ++i) {
      const float* channel_tile = tile + i * tile_h * tile_w;
      float* at = acc + i * 9 * out + b * L;
      if (i == 0)
        channel_block<P, true>(channel_tile, tile_w, dy, rows, c.out_w, at, out, bias + b * L);
      else
        channel_block<P, false>(channel_tile, tile_w, dy, rows, c.out_w, at, out, nullptr);
    }
  }
}

__attribute__((target("avx2,fma"), flatten)) void avx2_tile_item(const SmallInputConv& c, int64_t n,
                                                                 int64_t first_row, int64_t rows, const float* src,
                                                                 const float* diff_dst, float* tile, float* acc,
                                                                 float* bias) {
  tile_item<FloatVectors<8>>(c, n, first_row, rows, src, diff_dst, tile, acc, bias);
}
__attribute__((target("avx512f"), flatten)) void avx512_tile_item(const SmallInputConv& c, int64_t n,
                                                                  int64_t first_row, int64_t rows, const float* src,
                                                                  const float* diff_dst, float* tile, float* acc,
                                                                  float* bias) {
  tile_item<FloatVectors<16>>(c, n, first_row, rows, src, diff_dst, tile, acc, bias);
}

}  // namespace

bool small_input_tiles_fit(const SmallInputConv& c) {
  return c.kernel_h == 3 && c.kernel_w == 3 && c.stride_h == 1 && c.stride_w == 1 && c.pad_top >= 0 &&
         c.pad_left >= 0;
}

bool small_input_weight_gradient_fits(VectorIsa isa, const SmallInputConv& c) {
  const bool channels = c.in_channels >= 1 && c.in_channels <= kMaxInputs && c.out_channels > 0;
  if (isa == VectorIsa::avx2) return channels && c.out_channels % (2 * kLanes) == 0;
  return isa == VectorIsa::avx512 && channels && c.out_channels % FloatVectors<16>::kLanes == 0 &&
         small_input_tiles_fit(c);
}

void small_input_weight_gradient(VectorIsa isa, const SmallInputConv& c, const float* src, const float* diff_dst,
                                 const std::vector<int64_t>& offsets, float* weight_grad, float* bias_grad) {
  const int64_t taps_count = c.in_channels * c.kernel_h * c.kernel_w, out = c.out_channels;
  const bool tiles = small_input_tiles_fit(c);
  const auto tile_item_of = isa == VectorIsa::avx512 ? avx512_tile_item : avx2_tile_item;
  const int64_t per_image =
      tiles ? (c.out_h + kRowsPerItem - 1) / kRowsPerItem : (c.out_h * c.out_w + kPixels - 1) / kPixels;
  const int64_t items = c.n * per_image;
  const auto acc_size = static_cast<size_t>(taps_count * out);
  // Per thread: its sums of the weight gradient [taps][out], then of the bias gradient [out].
  // Kept per thread between calls (this runs at every step): the sums are zeroed each time.
  std::vector<const float*> sums(static_cast<size_t>(omp_get_max_threads()), nullptr);
#pragma omp parallel
  {
    thread_local std::vector<float> acc_buffer, scratch_buffer;
    float* acc = line_aligned(acc_buffer, static_cast<int64_t>(acc_size) + out);
    std::fill(acc, acc + acc_size + static_cast<size_t>(out), 0.0f);
    // The input tiles of an item, or its im2col.
    float* scratch = line_aligned(scratch_buffer, tiles ? c.in_channels * (kRowsPerItem + 2) * (c.out_w + 2)
                                                        : taps_count * kPixels);
    sums[static_cast<size_t>(omp_get_thread_num())] = acc;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < items; ++i) {
      const int64_t n = i / per_image;
      if (tiles) {
        const int64_t first_row = i % per_image * kRowsPerItem;
        tile_item_of(c, n, first_row, std::min(kRowsPerItem, c.out_h - first_row), src, diff_dst, scratch, acc,
                     acc + acc_size);
      } else {
        const int64_t first = i % per_image * kPixels;
        item(c, n, first, std::min(kPixels, c.out_h * c.out_w - first), src, diff_dst, scratch, acc, acc + acc_size);
      }
    }
  }
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t k = 0; k < taps_count; ++k) {
      float w = 0.0f;
      for (const float* part : sums)
        if (part) w += part[k * out + o];
      weight_grad[offsets[static_cast<size_t>(o * taps_count + k)]] = w;
    }
    if (!bias_grad) continue;
    float b = 0.0f;
    for (const float* part : sums)
      if (part) b += part[acc_size + static_cast<size_t>(o)];
    bias_grad[o] = b;
  }
}

}  // namespace expt::onednn
