#include "backends/onednn/winograd_conv.hpp"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>

namespace expt::onednn {

namespace {

constexpr int64_t kLanes = 8;         // channels per nChw8c block, and per AVX2 vector
constexpr int64_t kTilesPerItem = 12;  // tiles per work item: its transforms fit the core's L1
constexpr int kMicroTiles = 6;         // tiles x 16 outputs per product step: 12 accumulators,
                                       // 2 weight vectors and a broadcast in AVX2's 16 registers
constexpr int64_t kMicroOutputs = 16;

// G, the weight transform of F(2x2, 3x3).
constexpr float kG[4][3] = {{1.0f, 0.0f, 0.0f}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0.0f, 0.0f, 1.0f}};

struct Item {
  int64_t image, first_tile, tiles;
};

// The 16 transformed values of the 4x4 input tile at (top, left) for 8 channels: B^T d B, with
// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], stored at v[e * stride] for element e.
__attribute__((target("avx2,fma"))) void input_tile(const float* plane, int64_t height, int64_t width, int64_t top,
                                                    int64_t left, float* v, int64_t stride) {
  __m256 d[4][4];
  if (top >= 0 && left >= 0 && top + 4 <= height && left + 4 <= width) {  // most tiles: no checks
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) d[i][j] = _mm256_loadu_ps(plane + ((top + i) * width + left + j) * kLanes);
  } else {
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        const int64_t y = top + i, x = left + j;
        d[i][j] = y >= 0 && y < height && x >= 0 && x < width ? _mm256_loadu_ps(plane + (y * width + x) * kLanes)
                                                               : _mm256_setzero_ps();
      }
  }
  __m256 r[4][4];
  for (int j = 0; j < 4; ++j) {
    r[0][j] = _mm256_sub_ps(d[0][j], d[2][j]);
    r[1][j] = _mm256_add_ps(d[1][j], d[2][j]);
    r[2][j] = _mm256_sub_ps(d[2][j], d[1][j]);
    r[3][j] = _mm256_sub_ps(d[1][j], d[3][j]);
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(v + (i * 4 + 0) * stride, _mm256_sub_ps(r[i][0], r[i][2]));
    _mm256_storeu_ps(v + (i * 4 + 1) * stride, _mm256_add_ps(r[i][1], r[i][2]));
    _mm256_storeu_ps(v + (i * 4 + 2) * stride, _mm256_sub_ps(r[i][2], r[i][1]));
    _mm256_storeu_ps(v + (i * 4 + 3) * stride, _mm256_sub_ps(r[i][1], r[i][3]));
  }
}

// The 2x2 output tile at (top, left) for 8 channels from its 16 products m[e * stride]:
// A^T m A with A^T = [1 1 1 0; 0 1 -1 -1], then bias and ReLU; pixels past the image are skipped.
__attribute__((target("avx2,fma"))) void output_tile(const float* m, int64_t stride, __m256 bias, bool relu,
                                                     float* plane, int64_t height, int64_t width, int64_t top,
                                                     int64_t left) {
  __m256 r[2][4];
  for (int j = 0; j < 4; ++j) {
    const __m256 m0 = _mm256_loadu_ps(m + (0 * 4 + j) * stride), m1 = _mm256_loadu_ps(m + (1 * 4 + j) * stride);
    const __m256 m2 = _mm256_loadu_ps(m + (2 * 4 + j) * stride), m3 = _mm256_loadu_ps(m + (3 * 4 + j) * stride);
    r[0][j] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
    r[1][j] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
  }
  const __m256 zero = _mm256_setzero_ps();
  for (int i = 0; i < 2 && top + i < height; ++i) {
    __m256 out[2] = {_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(r[i][0], r[i][1]), r[i][2]), bias),
                     _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(r[i][1], r[i][2]), r[i][3]), bias)};
    for (int j = 0; j < 2 && left + j < width; ++j)
      _mm256_storeu_ps(plane + ((top + i) * width + left + j) * kLanes, relu ? _mm256_max_ps(out[j], zero) : out[j]);
  }
}

// m[t][o] = sum over c of v[t][c] * u[c][o] for kMicroTiles tiles and 16 outputs from `o`.
__attribute__((target("avx2,fma"))) void micro_product(const float* v, const float* u, int64_t in, int64_t out,
                                                       float* m) {
  // Every loop over the accumulators is unrolled, or GCC keeps them in memory and stores each
  // one at every step (half the speed).
  __m256 acc[kMicroTiles][2];
#pragma GCC unroll 6
  for (int t = 0; t < kMicroTiles; ++t) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
  for (int64_t c = 0; c < in; ++c, u += out) {
    const __m256 u0 = _mm256_loadu_ps(u), u1 = _mm256_loadu_ps(u + kLanes);
#pragma GCC unroll 6
    for (int t = 0; t < kMicroTiles; ++t) {
      const __m256 x = _mm256_broadcast_ss(v + t * in + c);
      acc[t][0] = _mm256_fmadd_ps(x, u0, acc[t][0]);
      acc[t][1] = _mm256_fmadd_ps(x, u1, acc[t][1]);
    }
  }
#pragma GCC unroll 6
  for (int t = 0; t < kMicroTiles; ++t) {
    _mm256_storeu_ps(m + t * out, acc[t][0]);
    _mm256_storeu_ps(m + t * out + kLanes, acc[t][1]);
  }
}

// One work item: a run of tiles of one image, through the three steps. v: [16][tiles][in],
// m: [16][tiles][out], both per thread.
__attribute__((target("avx2,fma"))) void run_item(const WinogradShape& s, const Item& item, const float* src,
                                                  const float* u, const float* bias, bool relu, float* dst, float* v,
                                                  float* m) {
  const int64_t tiles_x = (s.width + 1) / 2;
  const int64_t in = s.in_channels, out = s.out_channels;
  const int64_t plane = s.height * s.width * kLanes;
  // Tiles past the last repeat the last one: the products run over whole groups of kMicroTiles.
  const auto tile_at = [&](int64_t t) { return item.first_tile + std::min(t, item.tiles - 1); };
  for (int64_t cb = 0; cb < in / kLanes; ++cb) {
    const float* channels = src + (item.image * (in / kLanes) + cb) * plane;
    for (int64_t t = 0; t < kTilesPerItem; ++t) {
      const int64_t tile = tile_at(t);
      input_tile(channels, s.height, s.width, 2 * (tile / tiles_x) - 1, 2 * (tile % tiles_x) - 1,
                 v + t * in + cb * kLanes, kTilesPerItem * in);
    }
  }
  for (int e = 0; e < 16; ++e)
    for (int64_t o = 0; o < out; o += kMicroOutputs)
      for (int64_t t = 0; t < kTilesPerItem; t += kMicroTiles)
        micro_product(v + (e * kTilesPerItem + t) * in, u + e * in * out + o, in, out,
                      m + (e * kTilesPerItem + t) * out + o);
  for (int64_t ob = 0; ob < out / kLanes; ++ob) {
    const __m256 b = bias ? _mm256_loadu_ps(bias + ob * kLanes) : _mm256_setzero_ps();
    float* channels = dst + (item.image * (out / kLanes) + ob) * plane;
    for (int64_t t = 0; t < item.tiles; ++t) {
      const int64_t tile = item.first_tile + t;
      output_tile(m + t * out + ob * kLanes, kTilesPerItem * out, b, relu, channels, s.height, s.width,
                  2 * (tile / tiles_x), 2 * (tile % tiles_x));
    }
  }
}

// The 16 transformed values A dY A^T of the 2x2 output-gradient tile at (top, left) for 8
// channels, A = [1 0; 1 1; 1 -1; 0 -1], stored at g[e * stride]; pixels past the image count as
// zero. Adds the tile's pixels to `sum` (the bias gradient).
__attribute__((target("avx2,fma"))) void gradient_tile(const float* plane, int64_t height, int64_t width, int64_t top,
                                                       int64_t left, float* g, int64_t stride, __m256& sum) {
  __m256 y[2][2];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      y[i][j] = top + i < height && left + j < width ? _mm256_loadu_ps(plane + ((top + i) * width + left + j) * kLanes)
                                                     : _mm256_setzero_ps();
  sum = _mm256_add_ps(sum, _mm256_add_ps(_mm256_add_ps(y[0][0], y[0][1]), _mm256_add_ps(y[1][0], y[1][1])));
  const __m256 zero = _mm256_setzero_ps();
  __m256 r[4][2];  // A y
  for (int j = 0; j < 2; ++j) {
    r[0][j] = y[0][j];
    r[1][j] = _mm256_add_ps(y[0][j], y[1][j]);
    r[2][j] = _mm256_sub_ps(y[0][j], y[1][j]);
    r[3][j] = _mm256_sub_ps(zero, y[1][j]);
  }
  for (int i = 0; i < 4; ++i) {  // (A y) A^T
    _mm256_storeu_ps(g + (i * 4 + 0) * stride, r[i][0]);
    _mm256_storeu_ps(g + (i * 4 + 1) * stride, _mm256_add_ps(r[i][0], r[i][1]));
    _mm256_storeu_ps(g + (i * 4 + 2) * stride, _mm256_sub_ps(r[i][0], r[i][1]));
    _mm256_storeu_ps(g + (i * 4 + 3) * stride, _mm256_sub_ps(zero, r[i][1]));
  }
}

// du[c][o] += sum over the item's tiles of v[t][c] * g[t][o], for Rows input channels from `c`
// and 16 outputs from `o`.
template <int Rows>
__attribute__((target("avx2,fma"), always_inline)) inline void micro_gradient(const float* v, const float* g,
                                                                             int64_t in, int64_t out, float* du) {
  __m256 acc[Rows][2];
#pragma GCC unroll 6
  for (int r = 0; r < Rows; ++r) {
    acc[r][0] = _mm256_loadu_ps(du + r * out);
    acc[r][1] = _mm256_loadu_ps(du + r * out + kLanes);
  }
  for (int64_t t = 0; t < kTilesPerItem; ++t, v += in, g += out) {
    const __m256 g0 = _mm256_loadu_ps(g), g1 = _mm256_loadu_ps(g + kLanes);
#pragma GCC unroll 6
    for (int r = 0; r < Rows; ++r) {
      const __m256 x = _mm256_broadcast_ss(v + r);
      acc[r][0] = _mm256_fmadd_ps(x, g0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(x, g1, acc[r][1]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < Rows; ++r) {
    _mm256_storeu_ps(du + r * out, acc[r][0]);
    _mm256_storeu_ps(du + r * out + kLanes, acc[r][1]);
  }
}

// One work item of backward-weights: the input's and the output gradient's transforms (tiles
// past the item's last get a zero gradient, so they add nothing), then their products summed
// into du [16][in][out] and the gradient's pixels into bias [out].
__attribute__((target("avx2,fma"))) void gradient_item(const WinogradShape& s, const Item& item, const float* src,
                                                       const float* diff_dst, float* v, float* g, float* du,
                                                       float* bias) {
  const int64_t tiles_x = (s.width + 1) / 2;
  const int64_t in = s.in_channels, out = s.out_channels;
  const int64_t plane = s.height * s.width * kLanes;
  for (int64_t cb = 0; cb < in / kLanes; ++cb) {
    const float* channels = src + (item.image * (in / kLanes) + cb) * plane;
    for (int64_t t = 0; t < kTilesPerItem; ++t) {
      const int64_t tile = item.first_tile + std::min(t, item.tiles - 1);
      input_tile(channels, s.height, s.width, 2 * (tile / tiles_x) - 1, 2 * (tile % tiles_x) - 1,
                 v + t * in + cb * kLanes, kTilesPerItem * in);
    }
  }
  for (int64_t ob = 0; ob < out / kLanes; ++ob) {
    const float* channels = diff_dst + (item.image * (out / kLanes) + ob) * plane;
    __m256 sum = _mm256_loadu_ps(bias + ob * kLanes);
    for (int64_t t = 0; t < kTilesPerItem; ++t) {
      float* at = g + t * out + ob * kLanes;
      if (t >= item.tiles) {
        for (int e = 0; e < 16; ++e) _mm256_storeu_ps(at + e * kTilesPerItem * out, _mm256_setzero_ps());
        continue;
      }
      const int64_t tile = item.first_tile + t;
      gradient_tile(channels, s.height, s.width, 2 * (tile / tiles_x), 2 * (tile % tiles_x), at, kTilesPerItem * out,
                    sum);
    }
    _mm256_storeu_ps(bias + ob * kLanes, sum);
  }
  // Six input channels at a time (12 accumulators), then the 4 or 2 a multiple of 16 leaves.
  for (int e = 0; e < 16; ++e)
    for (int64_t c = 0; c < in; c += 6)
      for (int64_t o = 0; o < out; o += kMicroOutputs) {
        const float* ve = v + e * kTilesPerItem * in + c;
        const float* ge = g + e * kTilesPerItem * out + o;
        float* at = du + (e * in + c) * out + o;
        if (in - c >= 6)
          micro_gradient<6>(ve, ge, in, out, at);
        else if (in - c == 4)
          micro_gradient<4>(ve, ge, in, out, at);
        else
          micro_gradient<2>(ve, ge, in, out, at);
      }
}

}  // namespace

bool winograd_channels_fit(int64_t in_channels, int64_t out_channels) {
  return in_channels > 0 && out_channels > 0 && in_channels % kMicroOutputs == 0 && out_channels % kMicroOutputs == 0;
}

void winograd_weights(int64_t out, int64_t in, const float* weights, const std::vector<int64_t>& offsets,
                      bool for_backward_data, std::vector<float>& transformed) {
  // Backward-data convolves the output gradient (`out` channels in) into `in` channels out.
  const int64_t rows = for_backward_data ? out : in, columns = for_backward_data ? in : out;
  transformed.resize(static_cast<size_t>(16 * in * out));
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i) {
      float g[3][3];
      for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x) {
          const float w = weights[offsets[static_cast<size_t>(((o * in + i) * 3 + y) * 3 + x)]];
          (for_backward_data ? g[2 - y][2 - x] : g[y][x]) = w;
        }
      float gg[4][3];  // G g
      for (int r = 0; r < 4; ++r)
        for (int x = 0; x < 3; ++x) gg[r][x] = kG[r][0] * g[0][x] + kG[r][1] * g[1][x] + kG[r][2] * g[2][x];
      const int64_t row = for_backward_data ? o : i, column = for_backward_data ? i : o;
      for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c)
          transformed[static_cast<size_t>(((r * 4 + c) * rows + row) * columns + column)] =
              gg[r][0] * kG[c][0] + gg[r][1] * kG[c][1] + gg[r][2] * kG[c][2];
    }
}

void winograd_weight_gradient(const WinogradShape& shape, const float* src, const float* diff_dst,
                              const std::vector<int64_t>& offsets, float* weight_grad, float* bias_grad) {
  const int64_t in = shape.in_channels, out = shape.out_channels;
  const int64_t tiles = ((shape.height + 1) / 2) * ((shape.width + 1) / 2);
  const int64_t items_per_image = (tiles + kTilesPerItem - 1) / kTilesPerItem;
  const int64_t items = shape.n * items_per_image;
  const auto transformed = static_cast<size_t>(16 * in * out);
  // Per thread: its sums of the transformed gradient [16][in][out] and of the bias gradient.
  std::vector<std::vector<float>> sums(static_cast<size_t>(omp_get_max_threads()));
#pragma omp parallel
  {
    std::vector<float>& du = sums[static_cast<size_t>(omp_get_thread_num())];
    du.assign(transformed + static_cast<size_t>(out), 0.0f);
    std::vector<float> v(static_cast<size_t>(16 * kTilesPerItem * in)), g(static_cast<size_t>(16 * kTilesPerItem * out));
#pragma omp for schedule(static)
    for (int64_t i = 0; i < items; ++i) {
      const int64_t first = i % items_per_image * kTilesPerItem;
      const Item item{i / items_per_image, first, std::min(kTilesPerItem, tiles - first)};
      gradient_item(shape, item, src, diff_dst, v.data(), g.data(), du.data(), du.data() + transformed);
    }
  }
  // G^T du G for each (o, i), from the threads' sums in thread order.
#pragma omp parallel for schedule(static)
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i) {
      float du[4][4] = {};
      for (const auto& part : sums)
        if (!part.empty())
          for (int e = 0; e < 16; ++e) du[e / 4][e % 4] += part[static_cast<size_t>((e * in + i) * out + o)];
      for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x) {
          float w = 0.0f;
          for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 4; ++c) w += kG[r][y] * du[r][c] * kG[c][x];
          weight_grad[offsets[static_cast<size_t>(((o * in + i) * 3 + y) * 3 + x)]] = w;
        }
    }
  if (!bias_grad) return;
  for (int64_t o = 0; o < out; ++o) {
    float b = 0.0f;
    for (const auto& part : sums)
      if (!part.empty()) b += part[transformed + static_cast<size_t>(o)];
    bias_grad[o] = b;
  }
}

void winograd_convolution(const WinogradShape& shape, const float* src, const std::vector<float>& transformed,
                          const float* bias, bool relu, float* dst) {
  const int64_t tiles = ((shape.height + 1) / 2) * ((shape.width + 1) / 2);
  const int64_t items_per_image = (tiles + kTilesPerItem - 1) / kTilesPerItem;
  const int64_t items = shape.n * items_per_image;
#pragma omp parallel
  {
    std::vector<float> v(static_cast<size_t>(16 * kTilesPerItem * shape.in_channels));
    std::vector<float> m(static_cast<size_t>(16 * kTilesPerItem * shape.out_channels));
#pragma omp for schedule(static)
    for (int64_t i = 0; i < items; ++i) {
      const int64_t first = i % items_per_image * kTilesPerItem;
      const Item item{i / items_per_image, first, std::min(kTilesPerItem, tiles - first)};
      run_item(shape, item, src, transformed.data(), bias, relu, dst, v.data(), m.data());
    }
  }
}

}  // namespace expt::onednn
