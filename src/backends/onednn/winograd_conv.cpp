#include "backends/onednn/winograd_conv.hpp"

// The loops are written once in GCC's vector extensions, on each path's vector type, and compiled
// into that path's targeted entry points (flatten), where `acc += x * w` becomes one FMA (GNU mode
// contracts by default). GCC warns that such vectors change the calling convention; every
// function that passes them is inlined into the targeted copies, so no such call is made.
#pragma GCC diagnostic ignored "-Wpsabi"
// GCC 12's AVX-512 headers start intrinsics from _mm512_undefined_*(), which its own
// -Wmaybe-uninitialized then reports at every inlined call.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

namespace expt::onednn {

namespace {

constexpr int64_t kTilesPerItem = 12;  // tiles per work item: its transforms stay in the core's cache

// G, the weight transform of F(2x2, 3x3).
constexpr float kG[4][3] = {{1.0f, 0.0f, 0.0f}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0.0f, 0.0f, 1.0f}};

// A vector level: its lanes (the channels of one block of oneDNN's nChw8c or nChw16c) and the
// register blocking of the products, two vectors of outputs wide: 6 tiles (12 accumulators) in
// AVX2's 16 registers, 12 in AVX-512's 32; for backward-weights, 6 and 8 input channels.
template <int Lanes, int ProductTiles, int GradientRows>
struct Path {
  static constexpr int64_t kLanes = Lanes, kOutputs = 2 * Lanes;
  static constexpr int kProductTiles = ProductTiles, kGradientRows = GradientRows;
  typedef float V __attribute__((vector_size(4 * Lanes)));
  static V load(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static void store(float* p, V v) { std::memcpy(p, &v, sizeof v); }
};
// Each path's broadcast of one float, which GCC's `V{} + x` makes an addition and a shuffle.
struct Avx2 : Path<8, 6, 6> {
  __attribute__((target("avx2"))) static V broadcast(float x) { return V(_mm256_set1_ps(x)); }
};
struct Avx512 : Path<16, 12, 8> {
  __attribute__((target("avx512f"))) static V broadcast(float x) { return V(_mm512_set1_ps(x)); }
};
static_assert(kTilesPerItem % Avx2::kProductTiles == 0 && kTilesPerItem % Avx512::kProductTiles == 0);

struct Item {
  int64_t image, first_tile, tiles;
};

// The 16 transformed values of the 4x4 input tile at (top, left) for one channel block: B^T d B,
// with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], stored at v[e * stride] for element e.
template <class P>
inline void input_tile(const float* plane, int64_t height, int64_t width, int64_t top, int64_t left, float* v,
                       int64_t stride) {
  using V = typename P::V;
  V d[4][4];
  if (top >= 0 && left >= 0 && top + 4 <= height && left + 4 <= width) {  // most tiles: no checks
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) d[i][j] = P::load(plane + ((top + i) * width + left + j) * P::kLanes);
  } else {
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        const int64_t y = top + i, x = left + j;
        d[i][j] = y >= 0 && y < height && x >= 0 && x < width ? P::load(plane + (y * width + x) * P::kLanes) : V{};
      }
  }
  V r[4][4];
  for (int j = 0; j < 4; ++j) {
    r[0][j] = d[0][j] - d[2][j];
    r[1][j] = d[1][j] + d[2][j];
    r[2][j] = d[2][j] - d[1][j];
    r[3][j] = d[1][j] - d[3][j];
  }
  for (int i = 0; i < 4; ++i) {
    P::store(v + (i * 4 + 0) * stride, r[i][0] - r[i][2]);
    P::store(v + (i * 4 + 1) * stride, r[i][1] + r[i][2]);
    P::store(v + (i * 4 + 2) * stride, r[i][2] - r[i][1]);
    P::store(v + (i * 4 + 3) * stride, r[i][1] - r[i][3]);
  }
}

// The 2x2 output tile at (top, left) for one channel block from its 16 products m[e * stride]:
// A^T m A with A^T = [1 1 1 0; 0 1 -1 -1], then bias and ReLU; pixels past the image are skipped.
template <class P>
inline void output_tile(const float* m, int64_t stride, typename P::V bias, bool relu, float* plane, int64_t height,
                        int64_t width, int64_t top, int64_t left) {
  using V = typename P::V;
  V r[2][4];
  for (int j = 0; j < 4; ++j) {
    const V m0 = P::load(m + (0 * 4 + j) * stride), m1 = P::load(m + (1 * 4 + j) * stride);
    const V m2 = P::load(m + (2 * 4 + j) * stride), m3 = P::load(m + (3 * 4 + j) * stride);
    r[0][j] = m0 + m1 + m2;
    r[1][j] = m1 - m2 - m3;
  }
  for (int i = 0; i < 2 && top + i < height; ++i) {
    const V out[2] = {r[i][0] + r[i][1] + r[i][2] + bias, r[i][1] - r[i][2] - r[i][3] + bias};
    for (int j = 0; j < 2 && left + j < width; ++j)
      P::store(plane + ((top + i) * width + left + j) * P::kLanes, relu ? (out[j] > 0.0f ? out[j] : V{}) : out[j]);
  }
}

// m[t][o] = sum over c of v[t][c] * u[c][o] for the path's tiles and two vectors of outputs.
// Every loop over the accumulators is unrolled, or GCC keeps them in memory and stores each one
// at every step (half the speed).
template <class P>
inline void micro_product(const float* v, const float* u, int64_t in, int64_t out, float* m) {
  using V = typename P::V;
  V acc[P::kProductTiles][2];
#pragma GCC unroll 12
  for (int t = 0; t < P::kProductTiles; ++t) acc[t][0] = acc[t][1] = V{};
  for (int64_t c = 0; c < in; ++c, u += out) {
    const V u0 = P::load(u), u1 = P::load(u + P::kLanes);
#pragma GCC unroll 12
    for (int t = 0; t < P::kProductTiles; ++t) {
      const V x = P::broadcast(v[t * in + c]);
      acc[t][0] += x * u0;
      acc[t][1] += x * u1;
    }
  }
#pragma GCC unroll 12
  for (int t = 0; t < P::kProductTiles; ++t) {
    P::store(m + t * out, acc[t][0]);
    P::store(m + t * out + P::kLanes, acc[t][1]);
  }
}

// One work item: a run of tiles of one image, through the three steps. v: [16][tiles][in],
// m: [16][tiles][out], both per thread.
// The item's input tiles transformed into v [16][tiles][in]. Tiles past the item's last repeat
// its last one, so that the products run over whole groups of tiles.
template <class P>
inline void transform_inputs(const WinogradShape& s, const Item& item, const float* src, float* v) {
  const int64_t tiles_x = (s.width + 1) / 2, in = s.in_channels;
  const int64_t plane = s.height * s.width * P::kLanes;
  for (int64_t cb = 0; cb < in / P::kLanes; ++cb) {
    const float* channels = src + (item.image * (in / P::kLanes) + cb) * plane;
    for (int64_t t = 0; t < kTilesPerItem; ++t) {
      const int64_t tile = item.first_tile + std::min(t, item.tiles - 1);
      input_tile<P>(channels, s.height, s.width, 2 * (tile / tiles_x) - 1, 2 * (tile % tiles_x) - 1,
                    v + t * in + cb * P::kLanes, kTilesPerItem * in);
    }
  }
}

template <class P>
inline void run_item(const WinogradShape& s, const Item& item, const float* src, const float* u, const float* bias,
                     bool relu, float* dst, float* v, float* m) {
  const int64_t tiles_x = (s.width + 1) / 2;
  const int64_t in = s.in_channels, out = s.out_channels;
  const int64_t plane = s.height * s.width * P::kLanes;
  transform_inputs<P>(s, item, src, v);
  for (int e = 0; e < 16; ++e)
    for (int64_t o = 0; o < out; o += P::kOutputs)
      for (int64_t t = 0; t < kTilesPerItem; t += P::kProductTiles)
        micro_product<P>(v + (e * kTilesPerItem + t) * in, u + e * in * out + o, in, out,
                         m + (e * kTilesPerItem + t) * out + o);
  for (int64_t ob = 0; ob < out / P::kLanes; ++ob) {
    const typename P::V b = bias ? P::load(bias + ob * P::kLanes) : typename P::V{};
    float* channels = dst + (item.image * (out / P::kLanes) + ob) * plane;
    for (int64_t t = 0; t < item.tiles; ++t) {
      const int64_t tile = item.first_tile + t;
      output_tile<P>(m + t * out + ob * P::kLanes, kTilesPerItem * out, b, relu, channels, s.height, s.width,
                     2 * (tile / tiles_x), 2 * (tile % tiles_x));
    }
  }
}

// The 16 transformed values A dY A^T of the 2x2 output-gradient tile at (top, left) for one
// channel block, A = [1 0; 1 1; 1 -1; 0 -1], stored at g[e * stride]; pixels past the image count
// as zero. Adds the tile's pixels to `sum` (the bias gradient).
template <class P>
inline void gradient_tile(const float* plane, int64_t height, int64_t width, int64_t top, int64_t left, float* g,
                          int64_t stride, typename P::V& sum) {
  using V = typename P::V;
  V y[2][2];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      y[i][j] = top + i < height && left + j < width ? P::load(plane + ((top + i) * width + left + j) * P::kLanes) : V{};
  sum += y[0][0] + y[0][1] + (y[1][0] + y[1][1]);
  V r[4][2];  // A y
  for (int j = 0; j < 2; ++j) {
    r[0][j] = y[0][j];
    r[1][j] = y[0][j] + y[1][j];
    r[2][j] = y[0][j] - y[1][j];
    r[3][j] = -y[1][j];
  }
  for (int i = 0; i < 4; ++i) {  // (A y) A^T
    P::store(g + (i * 4 + 0) * stride, r[i][0]);
    P::store(g + (i * 4 + 1) * stride, r[i][0] + r[i][1]);
    P::store(g + (i * 4 + 2) * stride, r[i][0] - r[i][1]);
    P::store(g + (i * 4 + 3) * stride, -r[i][1]);
  }
}

// du[c][o] += sum over the item's tiles of v[t][c] * g[t][o], for Rows input channels from `c`
// and two vectors of outputs from `o`.
template <class P, int Rows>
inline void micro_gradient(const float* v, const float* g, int64_t in, int64_t out, float* du) {
  using V = typename P::V;
  V acc[Rows][2];
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r) {
    acc[r][0] = P::load(du + r * out);
    acc[r][1] = P::load(du + r * out + P::kLanes);
  }
  for (int64_t t = 0; t < kTilesPerItem; ++t, v += in, g += out) {
    const V g0 = P::load(g), g1 = P::load(g + P::kLanes);
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r) {
      const V x = P::broadcast(v[r]);
      acc[r][0] += x * g0;
      acc[r][1] += x * g1;
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r) {
    P::store(du + r * out, acc[r][0]);
    P::store(du + r * out + P::kLanes, acc[r][1]);
  }
}

// One work item of backward-weights: the input's and the output gradient's transforms (tiles
// past the item's last get a zero gradient, so they add nothing), then their products summed
// into du [16][in][out] and the gradient's pixels into bias [out].
template <class P>
inline void gradient_item(const WinogradShape& s, const Item& item, const float* src, const float* diff_dst, float* v,
                          float* g, float* du, float* bias) {
  using V = typename P::V;
  const int64_t tiles_x = (s.width + 1) / 2;
  const int64_t in = s.in_channels, out = s.out_channels;
  const int64_t plane = s.height * s.width * P::kLanes;
  transform_inputs<P>(s, item, src, v);
  for (int64_t ob = 0; ob < out / P::kLanes; ++ob) {
    const float* channels = diff_dst + (item.image * (out / P::kLanes) + ob) * plane;
    V sum = P::load(bias + ob * P::kLanes);
    for (int64_t t = 0; t < kTilesPerItem; ++t) {
      float* at = g + t * out + ob * P::kLanes;
      if (t >= item.tiles) {
        for (int e = 0; e < 16; ++e) P::store(at + e * kTilesPerItem * out, V{});
        continue;
      }
      const int64_t tile = item.first_tile + t;
      gradient_tile<P>(channels, s.height, s.width, 2 * (tile / tiles_x), 2 * (tile % tiles_x), at,
                       kTilesPerItem * out, sum);
    }
    P::store(bias + ob * P::kLanes, sum);
  }
  // The path's rows of input channels at a time, then what a multiple of 2 x lanes leaves (AVX2:
  // 6 at a time, then 4 or 2).
  for (int e = 0; e < 16; ++e)
    for (int64_t c = 0; c < in; c += P::kGradientRows)
      for (int64_t o = 0; o < out; o += P::kOutputs) {
        const float* ve = v + e * kTilesPerItem * in + c;
        const float* ge = g + e * kTilesPerItem * out + o;
        float* at = du + (e * in + c) * out + o;
        const int64_t rows = std::min<int64_t>(P::kGradientRows, in - c);
        if (rows == P::kGradientRows)
          micro_gradient<P, P::kGradientRows>(ve, ge, in, out, at);
        else if (rows == 4)
          micro_gradient<P, 4>(ve, ge, in, out, at);
        else
          micro_gradient<P, 2>(ve, ge, in, out, at);
      }
}

// The entry points each path compiles, with everything above inlined into them.
__attribute__((target("avx2,fma"), flatten)) void avx2_item(const WinogradShape& s, const Item& item, const float* src,
                                                             const float* u, const float* bias, bool relu, float* dst,
                                                             float* v, float* m) {
  run_item<Avx2>(s, item, src, u, bias, relu, dst, v, m);
}
__attribute__((target("avx512f"), flatten)) void avx512_item(const WinogradShape& s, const Item& item, const float* src,
                                                             const float* u, const float* bias, bool relu, float* dst,
                                                             float* v, float* m) {
  run_item<Avx512>(s, item, src, u, bias, relu, dst, v, m);
}
__attribute__((target("avx2,fma"), flatten)) void avx2_gradient_item(const WinogradShape& s, const Item& item,
                                                                      const float* src, const float* diff_dst, float* v,
                                                                      float* g, float* du, float* bias) {
  gradient_item<Avx2>(s, item, src, diff_dst, v, g, du, bias);
}
__attribute__((target("avx512f"), flatten)) void avx512_gradient_item(const WinogradShape& s, const Item& item,
                                                                      const float* src, const float* diff_dst, float* v,
                                                                      float* g, float* du, float* bias) {
  gradient_item<Avx512>(s, item, src, diff_dst, v, g, du, bias);
}

int64_t outputs_per_step(VectorIsa isa) { return isa == VectorIsa::avx512 ? Avx512::kOutputs : Avx2::kOutputs; }

// A thread's scratch buffer of at least `floats`, kept between calls: the kernels run for every
// layer at every step, and fresh buffers of this size would be allocated and faulted in each time.
float* scratch(std::vector<float>& buffer, int64_t floats) {
  if (buffer.size() < static_cast<size_t>(floats)) buffer.resize(static_cast<size_t>(floats));
  return buffer.data();
}

// The work items: runs of kTilesPerItem tiles of one image.
struct Items {
  int64_t tiles, per_image, count;
  explicit Items(const WinogradShape& s)
      : tiles(((s.height + 1) / 2) * ((s.width + 1) / 2)),
        per_image((tiles + kTilesPerItem - 1) / kTilesPerItem),
        count(s.n * per_image) {}
  Item operator[](int64_t i) const {
    const int64_t first = i % per_image * kTilesPerItem;
    return {i / per_image, first, std::min(kTilesPerItem, tiles - first)};
  }
};

}  // namespace

int64_t winograd_channel_block(VectorIsa isa) { return isa == VectorIsa::avx512 ? Avx512::kLanes : Avx2::kLanes; }

bool winograd_channels_fit(VectorIsa isa, int64_t in_channels, int64_t out_channels) {
  const int64_t step = outputs_per_step(isa);
  return in_channels > 0 && out_channels > 0 && in_channels % step == 0 && out_channels % step == 0;
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

void winograd_convolution(VectorIsa isa, const WinogradShape& shape, const float* src,
                          const std::vector<float>& transformed, const float* bias, bool relu, float* dst) {
  const Items items(shape);
  const auto item_of = isa == VectorIsa::avx512 ? avx512_item : avx2_item;
#pragma omp parallel
  {
    thread_local std::vector<float> v_buffer, m_buffer;
    float* v = scratch(v_buffer, 16 * kTilesPerItem * shape.in_channels);
    float* m = scratch(m_buffer, 16 * kTilesPerItem * shape.out_channels);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < items.count; ++i) item_of(shape, items[i], src, transformed.data(), bias, relu, dst, v, m);
  }
}

void winograd_weight_gradient(VectorIsa isa, const WinogradShape& shape, const float* src, const float* diff_dst,
                              const std::vector<int64_t>& offsets, float* weight_grad, float* bias_grad) {
  const int64_t in = shape.in_channels, out = shape.out_channels;
  const Items items(shape);
  const auto item_of = isa == VectorIsa::avx512 ? avx512_gradient_item : avx2_gradient_item;
  const auto transformed = static_cast<size_t>(16 * in * out);
  // Per thread: its sums of the transformed gradient [16][in][out], then of the bias gradient.
  std::vector<const float*> sums(static_cast<size_t>(omp_get_max_threads()), nullptr);
#pragma omp parallel
  {
    thread_local std::vector<float> du_buffer, v_buffer, g_buffer;
    float* du = scratch(du_buffer, static_cast<int64_t>(transformed) + out);
    std::fill(du, du + transformed + static_cast<size_t>(out), 0.0f);
    sums[static_cast<size_t>(omp_get_thread_num())] = du;
    float* v = scratch(v_buffer, 16 * kTilesPerItem * in);
    float* g = scratch(g_buffer, 16 * kTilesPerItem * out);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < items.count; ++i) item_of(shape, items[i], src, diff_dst, v, g, du, du + transformed);
  }
  // G^T du G for each (o, i), from the threads' sums in thread order.
#pragma omp parallel for schedule(static)
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i) {
      float du[4][4] = {};
      for (const float* part : sums)
        if (part)
          for (int e = 0; e < 16; ++e) du[e / 4][e % 4] += part[(e * in + i) * out + o];
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
    for (const float* part : sums)
      if (part) b += part[transformed + static_cast<size_t>(o)];
    bias_grad[o] = b;
  }
}

}  // namespace expt::onednn
