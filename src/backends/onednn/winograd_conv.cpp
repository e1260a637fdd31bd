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

#include "backends/onednn/float_vectors.hpp"
#include "backends/onednn/line_aligned.hpp"

namespace expt::onednn {

namespace {

constexpr int64_t kTilesPerItem = 12;  // tiles per work item: its transforms stay in the core's cache
// Backward-weights' items are longer: each item loads and stores the whole sum of its thread's
// products (36 x in x out floats, 147 KB for 32 x 32 channels, in L2), so twice the tiles halve
// that traffic per tile. 24 against 12 took the seed network's three layers 8-19% less time on
// both paths (docs/onednn-notes.md §20); the forward's items gained nothing from being longer.
constexpr int64_t kGradientTilesPerItem = 24;

// The transforms of F(4x4, 3x3) over 6 x 6 tiles (M = 4 outputs a side, Alpha = M + 2 inputs;
// Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks"): B^T for the input, G for
// the weights, A^T for the output. 36 multiplications per tile of 16 outputs, 2.25 an output
// against a direct convolution's 9 (F(2x2, 3x3): 4, with smaller rounding errors, but slower in
// every measured layer, docs/onednn-notes.md §20). Each applies its matrix to one line of vectors
// at a time (input: B^T x; output: A^T x; backward-weights' output gradient: A x), in factored
// forms that share the common sums. The loops below take the transforms as a parameter T.
struct F4x4 {
  static constexpr int kM = 4, kAlpha = 6;
  static constexpr float kG[6][3] = {{0.25f, 0, 0},
                                     {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                                     {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                                     {1.0f / 24, 1.0f / 12, 1.0f / 6},
                                     {1.0f / 24, -1.0f / 12, 1.0f / 6},
                                     {0, 0, 1}};
  // B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
  template <class V>
  static void input(const V* x, V* y) {
    const V a = x[4] - 4.0f * x[2], b = x[3] - 4.0f * x[1], c = x[4] - x[2], d = 2.0f * (x[3] - x[1]);
    y[0] = 4.0f * x[0] - 5.0f * x[2] + x[4];
    y[1] = a + b, y[2] = a - b, y[3] = c + d, y[4] = c - d;
    y[5] = 4.0f * x[1] - 5.0f * x[3] + x[5];
  }
  // A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
  template <class V>
  static void output(const V* x, V* y) {
    const V a = x[1] + x[2], b = x[1] - x[2], c = x[3] + x[4], d = x[3] - x[4];
    y[0] = x[0] + a + c, y[1] = b + 2.0f * d, y[2] = a + 4.0f * c, y[3] = b + 8.0f * d + x[5];
  }
  template <class V>
  static void gradient(const V* x, V* y) {
    const V a = x[0] + x[2], b = x[1] + x[3], c = x[0] + 4.0f * x[2], d = 2.0f * x[1] + 8.0f * x[3];
    y[0] = x[0], y[1] = a + b, y[2] = a - b, y[3] = c + d, y[4] = c - d, y[5] = x[3];
  }
};

// A vector level: its lanes (the channels of one block of oneDNN's nChw8c or nChw16c) and the
// register blocking of the products, two vectors of outputs wide: 6 tiles (12 accumulators) in
// AVX2's 16 registers, 12 in AVX-512's 32; for backward-weights, 6 and 8 input channels.
template <int Lanes, int ProductTiles, int GradientRows>
struct Path : FloatVectors<Lanes> {
  static constexpr int64_t kOutputs = 2 * Lanes;
  static constexpr int kProductTiles = ProductTiles, kGradientRows = GradientRows;
};
// Each path's broadcast of one float, which GCC's `V{} + x` makes an addition and a shuffle.
struct Avx2 : Path<8, 6, 6> {
  __attribute__((target("avx2"))) static V broadcast(float x) { return V(_mm256_set1_ps(x)); }
  __attribute__((target("avx2"))) static void stream(float* p, V v) { _mm256_stream_ps(p, __m256(v)); }
};
struct Avx512 : Path<16, 12, 8> {
  __attribute__((target("avx512f"))) static V broadcast(float x) { return V(_mm512_set1_ps(x)); }
  __attribute__((target("avx512f"))) static void stream(float* p, V v) { _mm512_stream_ps(p, __m512(v)); }
};
static_assert(kTilesPerItem % Avx2::kProductTiles == 0 && kTilesPerItem % Avx512::kProductTiles == 0);

// A work item: a run of `tiles` tiles from `first_tile`, counted over all images row by row, so
// that a run may end in one image and go on in the next: small images then fill whole items.
struct Item {
  int64_t first_tile, tiles;
};

// Where tile number `tile` lies: its image, and the top-left pixel of its M x M outputs.
struct TilePlace {
  int64_t image, top, left;
};
template <class T>
inline TilePlace place(const WinogradShape& s, int64_t tile) {
  const int64_t tiles_x = (s.width + T::kM - 1) / T::kM, per_image = tiles_x * ((s.height + T::kM - 1) / T::kM);
  const int64_t at = tile % per_image;
  return {tile / per_image, T::kM * (at / tiles_x), T::kM * (at % tiles_x)};
}

// The Alpha^2 transformed values B^T d B of the Alpha x Alpha input tile at (top, left) for one
// channel block, stored at v[e * stride] for element e; pixels past the image count as zero.
template <class P, class T>
inline void input_tile(const float* plane, int64_t height, int64_t width, int64_t top, int64_t left, float* v,
                       int64_t stride) {
  using V = typename P::V;
  constexpr int A = T::kAlpha;
  V d[A][A];
  if (top >= 0 && left >= 0 && top + A <= height && left + A <= width) {  // most tiles: no checks
#pragma GCC unroll 6
    for (int i = 0; i < A; ++i)
#pragma GCC unroll 6
      for (int j = 0; j < A; ++j) d[i][j] = P::load(plane + ((top + i) * width + left + j) * P::kLanes);
  } else {
    for (int i = 0; i < A; ++i)
      for (int j = 0; j < A; ++j) {
        const int64_t y = top + i, x = left + j;
        d[i][j] = y >= 0 && y < height && x >= 0 && x < width ? P::load(plane + (y * width + x) * P::kLanes) : V{};
      }
  }
  V columns[A][A], r[A][A];  // the tile's columns, then B^T d by rows
#pragma GCC unroll 6
  for (int j = 0; j < A; ++j) {
#pragma GCC unroll 6
    for (int i = 0; i < A; ++i) columns[j][i] = d[i][j];
    V line[A];
    T::input(columns[j], line);
#pragma GCC unroll 6
    for (int i = 0; i < A; ++i) r[i][j] = line[i];
  }
#pragma GCC unroll 6
  for (int i = 0; i < A; ++i) {  // (B^T d) B
    V line[A];
    T::input(r[i], line);
#pragma GCC unroll 6
    for (int j = 0; j < A; ++j) P::store(v + (i * A + j) * stride, line[j]);
  }
}

// The M x M output tile at (top, left) for one channel block from its Alpha^2 products
// m[e * stride]: A^T m A, then bias and ReLU, then zero wherever `gate` (null, or a plane laid
// out as the output's) is not positive; pixels past the image are skipped. `stream`: the plane
// is aligned to the vector, and the stores bypass the caches (run_item says why).
template <class P, class T>
inline void output_tile(const float* m, int64_t stride, typename P::V bias, bool relu, const float* gate,
                        bool stream, float* plane, int64_t height, int64_t width, int64_t top, int64_t left) {
  using V = typename P::V;
  constexpr int A = T::kAlpha, M = T::kM;
  V r[M][A];  // A^T m
#pragma GCC unroll 6
  for (int j = 0; j < A; ++j) {
    V column[A], line[M];
#pragma GCC unroll 6
    for (int k = 0; k < A; ++k) column[k] = P::load(m + (k * A + j) * stride);
    T::output(column, line);
#pragma GCC unroll 4
    for (int i = 0; i < M; ++i) r[i][j] = line[i];
  }
  for (int i = 0; i < M && top + i < height; ++i) {
    V line[M];
    T::output(r[i], line);
    for (int j = 0; j < M && left + j < width; ++j) {
      const int64_t at = ((top + i) * width + left + j) * P::kLanes;
      V out = line[j] + bias;
      if (relu) out = out > 0.0f ? out : V{};
      if (gate) out = P::load(gate + at) > 0.0f ? out : V{};
      if (stream)
        P::stream(plane + at, out);
      else
        P::store(plane + at, out);
    }
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

// The item's input tiles, `Tiles` to a whole item, transformed into v [Alpha^2][Tiles][in].
// Tiles past its last repeat its last one, so that the products run over whole groups of tiles.
template <class P, class T, int64_t Tiles>
inline void transform_inputs(const WinogradShape& s, const Item& item, const float* src, float* v) {
  // One channel block's plane at a time: with the planes in the inner loop (here and in the
  // output transform), conv2 of the seed network took a fifth longer forward under AVX2.
  const int64_t in = s.in_channels, plane = s.height * s.width * P::kLanes;
  for (int64_t cb = 0; cb < in / P::kLanes; ++cb)
    for (int64_t t = 0; t < Tiles; ++t) {
      const TilePlace at = place<T>(s, item.first_tile + std::min(t, item.tiles - 1));
      input_tile<P, T>(src + (at.image * (in / P::kLanes) + cb) * plane, s.height, s.width, at.top - 1, at.left - 1,
                       v + t * in + cb * P::kLanes, Tiles * in);
    }
}

// One work item through the three steps. v: [Alpha^2][tiles][in], m: [Alpha^2][tiles][out], both
// per thread.
template <class P, class T>
inline void run_item(const WinogradShape& s, const Item& item, const float* src, const float* u, const float* bias,
                     bool relu, const float* gate, float* dst, float* v, float* m) {
  const int64_t in = s.in_channels, out = s.out_channels;
  const int64_t plane = s.height * s.width * P::kLanes;
  // The output goes to memory past the caches where it is aligned (oneDNN's buffers are), so its
  // lines are written without first being read in only to be overwritten. Measured in the step:
  // the seed network's 16-64 MB outputs gained, Fashion-MNIST's 5-10 MB ones, which a cache might
  // have kept for the next layer, tied (docs/onednn-notes.md §20).
  const bool stream = reinterpret_cast<uintptr_t>(dst) % sizeof(typename P::V) == 0;
  transform_inputs<P, T, kTilesPerItem>(s, item, src, v);
  constexpr int kElements = T::kAlpha * T::kAlpha;
  for (int e = 0; e < kElements; ++e)
    for (int64_t o = 0; o < out; o += P::kOutputs)
      for (int64_t t = 0; t < kTilesPerItem; t += P::kProductTiles)
        micro_product<P>(v + (e * kTilesPerItem + t) * in, u + e * in * out + o, in, out,
                         m + (e * kTilesPerItem + t) * out + o);
  for (int64_t ob = 0; ob < out / P::kLanes; ++ob) {
    const typename P::V b = bias ? P::load(bias + ob * P::kLanes) : typename P::V{};
    for (int64_t t = 0; t < item.tiles; ++t) {
      const TilePlace at = place<T>(s, item.first_tile + t);
      const int64_t first = (at.image * (out / P::kLanes) + ob) * plane;
      output_tile<P, T>(m + t * out + ob * P::kLanes, kTilesPerItem * out, b, relu, gate ? gate + first : nullptr,
                        stream, dst + first, s.height, s.width, at.top, at.left);
    }
  }
}

// The Alpha^2 transformed values A dY A^T of the M x M output-gradient tile at (top, left) for
// one channel block, stored at g[e * stride]; pixels past the image count as zero. Adds the
// tile's pixels to `sum` (the bias gradient).
template <class P, class T>
inline void gradient_tile(const float* plane, int64_t height, int64_t width, int64_t top, int64_t left, float* g,
                          int64_t stride, typename P::V& sum) {
  using V = typename P::V;
  constexpr int A = T::kAlpha, M = T::kM;
  V y[M][M];
#pragma GCC unroll 4
  for (int i = 0; i < M; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < M; ++j) {
      const bool inside = top + i < height && left + j < width;
      y[i][j] = inside ? P::load(plane + ((top + i) * width + left + j) * P::kLanes) : V{};
      sum += y[i][j];
    }
  V r[A][M];  // A y
#pragma GCC unroll 4
  for (int j = 0; j < M; ++j) {
    V column[M], line[A];
#pragma GCC unroll 4
    for (int i = 0; i < M; ++i) column[i] = y[i][j];
    T::gradient(column, line);
#pragma GCC unroll 6
    for (int k = 0; k < A; ++k) r[k][j] = line[k];
  }
#pragma GCC unroll 6
  for (int k = 0; k < A; ++k) {  // (A y) A^T
    V line[A];
    T::gradient(r[k], line);
#pragma GCC unroll 6
    for (int l = 0; l < A; ++l) P::store(g + (k * A + l) * stride, line[l]);
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
  for (int64_t t = 0; t < kGradientTilesPerItem; ++t, v += in, g += out) {
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
// into du [Alpha^2][in][out] and the gradient's pixels into bias [out].
template <class P, class T>
inline void gradient_item(const WinogradShape& s, const Item& item, const float* src, const float* diff_dst, float* v,
                          float* g, float* du, float* bias) {
  using V = typename P::V;
  constexpr int kElements = T::kAlpha * T::kAlpha;
  const int64_t in = s.in_channels, out = s.out_channels;
  const int64_t plane = s.height * s.width * P::kLanes;
  transform_inputs<P, T, kGradientTilesPerItem>(s, item, src, v);
  for (int64_t ob = 0; ob < out / P::kLanes; ++ob) {
    V sum = P::load(bias + ob * P::kLanes);
    for (int64_t t = 0; t < kGradientTilesPerItem; ++t) {
      float* transformed = g + t * out + ob * P::kLanes;
      if (t >= item.tiles) {
        for (int e = 0; e < kElements; ++e) P::store(transformed + e * kGradientTilesPerItem * out, V{});
        continue;
      }
      const TilePlace at = place<T>(s, item.first_tile + t);
      gradient_tile<P, T>(diff_dst + (at.image * (out / P::kLanes) + ob) * plane, s.height, s.width, at.top, at.left,
                          transformed, kGradientTilesPerItem * out, sum);
    }
    P::store(bias + ob * P::kLanes, sum);
  }
  // The path's rows of input channels at a time, then what a multiple of 2 x lanes leaves (AVX2:
  // 6 at a time, then 4 or 2).
  for (int e = 0; e < kElements; ++e)
    for (int64_t c = 0; c < in; c += P::kGradientRows)
      for (int64_t o = 0; o < out; o += P::kOutputs) {
        const float* ve = v + e * kGradientTilesPerItem * in + c;
        const float* ge = g + e * kGradientTilesPerItem * out + o;
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
template <class T>
__attribute__((target("avx2,fma"), flatten)) void avx2_item(const WinogradShape& s, const Item& item, const float* src,
                                                             const float* u, const float* bias, bool relu,
                                                             const float* gate, float* dst, float* v, float* m) {
  run_item<Avx2, T>(s, item, src, u, bias, relu, gate, dst, v, m);
}
template <class T>
__attribute__((target("avx512f"), flatten)) void avx512_item(const WinogradShape& s, const Item& item, const float* src,
                                                             const float* u, const float* bias, bool relu,
                                                             const float* gate, float* dst, float* v, float* m) {
  run_item<Avx512, T>(s, item, src, u, bias, relu, gate, dst, v, m);
}
template <class T>
__attribute__((target("avx2,fma"), flatten)) void avx2_gradient_item(const WinogradShape& s, const Item& item,
                                                                      const float* src, const float* diff_dst, float* v,
                                                                      float* g, float* du, float* bias) {
  gradient_item<Avx2, T>(s, item, src, diff_dst, v, g, du, bias);
}
template <class T>
__attribute__((target("avx512f"), flatten)) void avx512_gradient_item(const WinogradShape& s, const Item& item,
                                                                      const float* src, const float* diff_dst, float* v,
                                                                      float* g, float* du, float* bias) {
  gradient_item<Avx512, T>(s, item, src, diff_dst, v, g, du, bias);
}

int64_t outputs_per_step(VectorIsa isa) { return isa == VectorIsa::avx512 ? Avx512::kOutputs : Avx2::kOutputs; }

// The work items: runs of `per_item` tiles over all images, the last one shorter.
struct Items {
  int64_t tiles, per_item, count;
  Items(const WinogradShape& s, int64_t tiles_per_item)
      : tiles(s.n * ((s.height + F4x4::kM - 1) / F4x4::kM) * ((s.width + F4x4::kM - 1) / F4x4::kM)),
        per_item(tiles_per_item),
        count((tiles + per_item - 1) / per_item) {}
  Item operator[](int64_t i) const {
    const int64_t first = i * per_item;
    return {first, std::min(per_item, tiles - first)};
  }
};

constexpr int64_t kTileElements = F4x4::kAlpha * F4x4::kAlpha;

template <class T>
void transform_weights(int64_t out, int64_t in, const float* weights, const std::vector<int64_t>& offsets,
                       bool for_backward_data, float* result) {
  constexpr int A = T::kAlpha;
  // Backward-data convolves the output gradient (`out` channels in) into `in` channels out.
  const int64_t rows = for_backward_data ? out : in, columns = for_backward_data ? in : out;
  // It runs for every layer twice a step: rows on the threads, and runs of kRun columns through
  // each transform in loops the compiler vectorizes, writing each of the A^2 planes in order
  // (one thread doing one (o, i) pair at a time took 0.8 ms for 64 x 64 channels with F(4x4)).
  constexpr int64_t kRun = 16;
#pragma omp parallel for schedule(static)
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t first = 0; first < columns; first += kRun) {
      const int64_t run = std::min(kRun, columns - first);
      float g[3][3][kRun] = {}, gg[A][3][kRun];
      for (int64_t k = 0; k < run; ++k) {
        const int64_t column = first + k;
        const int64_t o = for_backward_data ? row : column, i = for_backward_data ? column : row;
        for (int y = 0; y < 3; ++y)
          for (int x = 0; x < 3; ++x) {
            const float w = weights[offsets[static_cast<size_t>(((o * in + i) * 3 + y) * 3 + x)]];
            (for_backward_data ? g[2 - y][2 - x][k] : g[y][x][k]) = w;
          }
      }
      for (int r = 0; r < A; ++r)  // G g
        for (int x = 0; x < 3; ++x)
          for (int64_t k = 0; k < kRun; ++k)
            gg[r][x][k] = T::kG[r][0] * g[0][x][k] + T::kG[r][1] * g[1][x][k] + T::kG[r][2] * g[2][x][k];
      for (int r = 0; r < A; ++r)  // (G g) G^T
        for (int c = 0; c < A; ++c) {
          float* plane = result + ((r * A + c) * rows + row) * columns + first;
          for (int64_t k = 0; k < run; ++k)
            plane[k] = gg[r][0][k] * T::kG[c][0] + gg[r][1][k] * T::kG[c][1] + gg[r][2][k] * T::kG[c][2];
        }
    }
}

// G^T du G for each (o, i), from the threads' sums in thread order: inputs on the threads, runs
// of kRun outputs (contiguous in the sums) through the transform in loops the compiler
// vectorizes (one (o, i) pair at a time took 0.6 ms a call for 64 x 64 channels with F(4x4)).
template <class T>
void weights_from_sums(int64_t in, int64_t out, const std::vector<const float*>& sums,
                       const std::vector<int64_t>& offsets, float* weight_grad) {
  constexpr int A = T::kAlpha;
  constexpr int64_t kRun = 16;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < in; ++i)
    for (int64_t first = 0; first < out; first += kRun) {
      const int64_t run = std::min(kRun, out - first);
      float du[A * A][kRun] = {}, du_g[A][3][kRun] = {};
      for (const float* part : sums)
        if (part)
          for (int e = 0; e < A * A; ++e)
            for (int64_t k = 0; k < run; ++k) du[e][k] += part[(e * in + i) * out + first + k];
      for (int r = 0; r < A; ++r)  // du G
        for (int x = 0; x < 3; ++x)
          for (int c = 0; c < A; ++c)
            for (int64_t k = 0; k < kRun; ++k) du_g[r][x][k] += du[r * A + c][k] * T::kG[c][x];
      for (int y = 0; y < 3; ++y)  // G^T (du G)
        for (int x = 0; x < 3; ++x) {
          float w[kRun] = {};
          for (int r = 0; r < A; ++r)
            for (int64_t k = 0; k < kRun; ++k) w[k] += T::kG[r][y] * du_g[r][x][k];
          for (int64_t k = 0; k < run; ++k)
            weight_grad[offsets[static_cast<size_t>((((first + k) * in + i) * 3 + y) * 3 + x)]] = w[k];
        }
    }
}

}  // namespace

int64_t winograd_channel_block(VectorIsa isa) { return isa == VectorIsa::avx512 ? Avx512::kLanes : Avx2::kLanes; }

bool winograd_channels_fit(VectorIsa isa, int64_t in_channels, int64_t out_channels) {
  const int64_t step = outputs_per_step(isa);
  return in_channels > 0 && out_channels > 0 && in_channels % step == 0 && out_channels % step == 0;
}

int64_t winograd_weights_floats(int64_t in, int64_t out) { return kTileElements * in * out; }

void winograd_weights(int64_t out, int64_t in, const float* weights, const std::vector<int64_t>& offsets,
                      bool for_backward_data, float* transformed) {
  transform_weights<F4x4>(out, in, weights, offsets, for_backward_data, transformed);
}

void winograd_convolution(VectorIsa isa, const WinogradShape& shape, const float* src, const float* transformed,
                          const float* bias, bool relu, const float* gate, float* dst) {
  const Items items(shape, kTilesPerItem);
  const auto item_of = isa == VectorIsa::avx512 ? avx512_item<F4x4> : avx2_item<F4x4>;
  const int64_t per_tile = kTileElements * kTilesPerItem;
#pragma omp parallel
  {
    thread_local std::vector<float> v_buffer, m_buffer;
    float* v = line_aligned(v_buffer, per_tile * shape.in_channels);
    float* m = line_aligned(m_buffer, per_tile * shape.out_channels);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < items.count; ++i) item_of(shape, items[i], src, transformed, bias, relu, gate, dst, v, m);
    _mm_sfence();  // the streamed stores are weakly ordered: done before another thread reads them
  }
}

void winograd_weight_gradient(VectorIsa isa, const WinogradShape& shape, const float* src, const float* diff_dst,
                              const std::vector<int64_t>& offsets, float* weight_grad, float* bias_grad) {
  const int64_t in = shape.in_channels, out = shape.out_channels;
  const Items items(shape, kGradientTilesPerItem);
  const auto item_of = isa == VectorIsa::avx512 ? avx512_gradient_item<F4x4> : avx2_gradient_item<F4x4>;
  const auto transformed = static_cast<size_t>(kTileElements * in * out);
  const int64_t per_tile = kTileElements * kGradientTilesPerItem;
  // Per thread: its sums of the transformed gradient [Alpha^2][in][out], then of the bias gradient.
  std::vector<const float*> sums(static_cast<size_t>(omp_get_max_threads()), nullptr);
#pragma omp parallel
  {
    thread_local std::vector<float> du_buffer, v_buffer, g_buffer;
    float* du = line_aligned(du_buffer, static_cast<int64_t>(transformed) + out);
    std::fill(du, du + transformed + static_cast<size_t>(out), 0.0f);
    sums[static_cast<size_t>(omp_get_thread_num())] = du;
    float* v = line_aligned(v_buffer, per_tile * in);
    float* g = line_aligned(g_buffer, per_tile * out);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < items.count; ++i) item_of(shape, items[i], src, diff_dst, v, g, du, du + transformed);
  }
  weights_from_sums<F4x4>(in, out, sums, offsets, weight_grad);
  if (!bias_grad) return;
  for (int64_t o = 0; o < out; ++o) {
    float b = 0.0f;
    for (const float* part : sums)
      if (part) b += part[transformed + static_cast<size_t>(o)];
    bias_grad[o] = b;
  }
}

}  // namespace expt::onednn
