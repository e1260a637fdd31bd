#include "backends/onednn/dropout_mask.hpp"

// GCC 12's AVX-512 headers start intrinsics from _mm512_undefined_*(), which its own
// -Wmaybe-uninitialized then reports at every inlined call.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// The generic loop below passes vectors to each path's operations without that path's target;
// they are all inlined into one targeted function, so no call with that ABI is ever made.
#pragma GCC diagnostic ignored "-Wpsabi"
#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "core/philox.hpp"

namespace expt::onednn {

namespace {

// 64 Philox blocks (256 elements) per OpenMP work item: a few hundred ns of work each.
constexpr int64_t kBlocksPerItem = 64;

void scalar_blocks(uint64_t seed, uint32_t layer, uint64_t step, uint32_t threshold, uint8_t* keep,
                   int64_t elements, int64_t first_block, int64_t end_block) {
  for (int64_t b = first_block; b < end_block; ++b) {
    const philox::Block block = philox::dropout_block(seed, layer, step, static_cast<uint64_t>(b));
    for (int64_t j = 0; j < 4 && 4 * b + j < elements; ++j) keep[4 * b + j] = block.v[j] >= threshold;
  }
}

// Philox4x32-10 on a vector of consecutive blocks at once, one block per 32-bit lane (structure
// of arrays), in GCC's vector extensions: written once and compiled into each path's targeted
// entry point. Two steps come from the path: the 32x32->64 multiplies (vpmuludq, which GCC's
// generic 64-bit multiply does not become) and storing the keep flags in element order.
template <int Lanes>
struct Words {
  static constexpr int kLanes = Lanes;
  typedef uint32_t Vector __attribute__((vector_size(4 * Lanes)));
  typedef uint64_t Pairs __attribute__((vector_size(4 * Lanes)));  // the same bits as 64-bit lanes
};

struct Avx512 : Words<16> {
  // The 64-bit products of the even lanes, and of the odd lanes (shifted down first).
  __attribute__((target("avx512f"))) static void multiply(Vector a, Vector m, Pairs& even, Pairs& odd) {
    even = Pairs(_mm512_mul_epu32(__m512i(a), __m512i(m)));
    odd = Pairs(_mm512_mul_epu32(_mm512_srli_epi64(__m512i(a), 32), __m512i(m)));
  }
  // Word j of lane l is element 4 l + j: each word's 16 keep bits spread to every 4th bit.
  __attribute__((target("avx512f,avx512bw,bmi2"))) static void store_keep(const Vector (&c)[4], Vector limit,
                                                                          uint8_t* keep) {
    const __m512i t = __m512i(limit);
    const uint64_t bits = _pdep_u64(_mm512_cmpge_epu32_mask(__m512i(c[0]), t), 0x1111111111111111ull) |
                          _pdep_u64(_mm512_cmpge_epu32_mask(__m512i(c[1]), t), 0x2222222222222222ull) |
                          _pdep_u64(_mm512_cmpge_epu32_mask(__m512i(c[2]), t), 0x4444444444444444ull) |
                          _pdep_u64(_mm512_cmpge_epu32_mask(__m512i(c[3]), t), 0x8888888888888888ull);
    _mm512_storeu_si512(keep, _mm512_maskz_set1_epi8(bits, 1));
  }
  // One word's flags, a lane each, where `valid` is set.
  __attribute__((target("avx512f,avx512bw"))) static void store_flags(Vector c, Vector limit, Vector valid,
                                                                      uint8_t* keep) {
    const __mmask16 bits = _mm512_cmpge_epu32_mask(__m512i(c), __m512i(limit)) &
                           _mm512_test_epi32_mask(__m512i(valid), __m512i(valid));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(keep), _mm512_castsi512_si128(_mm512_maskz_set1_epi8(bits, 1)));
  }
};

struct Avx2 : Words<8> {
  __attribute__((target("avx2"))) static void multiply(Vector a, Vector m, Pairs& even, Pairs& odd) {
    even = Pairs(_mm256_mul_epu32(__m256i(a), __m256i(m)));
    odd = Pairs(_mm256_mul_epu32(_mm256_srli_epi64(__m256i(a), 32), __m256i(m)));
  }
  // The keep flags (0 or -1) narrowed to bytes leave each 128-bit half holding word j of lane l
  // at byte 4 j + l; one shuffle puts it at 4 l + j, the element order.
  __attribute__((target("avx2"))) static void store_keep(const Vector (&c)[4], Vector limit, uint8_t* keep) {
    const auto flags = [&](int j) { return __m256i(c[j] >= limit); };
    const __m256i transpose = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, 0, 4, 8, 12, 1,
                                               5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(flags(0), flags(1)),
                                             _mm256_packs_epi32(flags(2), flags(3)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(keep),
                        _mm256_and_si256(_mm256_shuffle_epi8(bytes, transpose), _mm256_set1_epi8(1)));
  }
  // One word's flags, a lane each, where `valid` is set.
  __attribute__((target("avx2"))) static void store_flags(Vector c, Vector limit, Vector valid, uint8_t* keep) {
    const __m256i flags = __m256i(Vector(c >= limit) & valid);
    const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(flags), _mm256_extracti128_si256(flags, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(keep), _mm_and_si128(_mm_packs_epi16(words, words), _mm_set1_epi8(1)));
  }
};

constexpr uint32_t kLaneIndex[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

// hi and lo words of a * m in every lane, from the even lanes' products and the odd lanes'.
template <class Path, class Vector = typename Path::Vector>
void mulhilo(Vector a, Vector m, Vector& hi, Vector& lo) {
  typename Path::Pairs even, odd;
  Path::multiply(a, m, even, odd);
  constexpr uint64_t kHigh = 0xFFFFFFFF00000000ull;
  hi = Vector((even >> 32) | (odd & kHigh));
  lo = Vector((even & ~kHigh) | (odd << 32));
}

// Philox4x32-10's ten rounds on the counter words c0..c3 of each lane, with the key `seed`.
template <class Path, class Vector = typename Path::Vector>
void philox_rounds(uint64_t seed, Vector& c0, Vector& c1, Vector& c2, Vector& c3) {
  const Vector zero{};
  const Vector m0 = zero + 0xD2511F53u, m1 = zero + 0xCD9E8D57u;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    Vector hi0, lo0, hi1, lo1;
    mulhilo<Path>(c0, m0, hi0, lo0);
    mulhilo<Path>(c2, m1, hi1, lo1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
}

// Blocks [first_block, end_block), a whole number of vectors, as philox::dropout_block draws them.
template <class Path>
void vector_blocks(uint64_t seed, uint32_t layer, uint64_t step, uint32_t threshold, uint8_t* keep,
                   int64_t first_block, int64_t end_block) {
  using Vector = typename Path::Vector;
  const Vector zero{};
  const Vector limit = zero + threshold;
  const Vector layer_words = zero + layer, step_words = zero + static_cast<uint32_t>(step);
  Vector lane;
  std::memcpy(&lane, kLaneIndex, sizeof lane);
  for (int64_t b = first_block; b < end_block; b += Path::kLanes) {
    const auto base = static_cast<uint64_t>(b);
    Vector c0 = lane + static_cast<uint32_t>(base);
    // Carry into the high word where the low word wrapped (the comparison gives -1 there).
    Vector c1 = (zero + static_cast<uint32_t>(base >> 32)) - Vector(c0 < static_cast<uint32_t>(base));
    Vector c2 = layer_words, c3 = step_words;
    philox_rounds<Path>(seed, c0, c1, c2, c3);
    Path::store_keep({c0, c1, c2, c3}, limit, keep + 4 * b);
  }
}

// draw_blocked_keep_mask for the channel block `plane` (image n, block cb) and
// quads [first_quad, end_quad) of its pixels, one lane per channel, each lane's counter the
// block that holds that channel's four pixels; the first quad's flags go to `flags`.
template <class Path>
void blocked_quads(uint64_t seed, uint32_t layer, uint64_t step, uint32_t threshold, uint8_t* flags,
                   const BlockedMaskShape& shape, int64_t plane, int64_t first_quad, int64_t end_quad) {
  using Vector = typename Path::Vector;
  constexpr int L = Path::kLanes;
  const Vector zero{};
  const Vector limit = zero + threshold, layer_words = zero + layer, step_words = zero + static_cast<uint32_t>(step);
  const int64_t blocks = (shape.c + L - 1) / L, n = plane / blocks, first_channel = plane % blocks * L;
  const int64_t quads = shape.spatial / 4;
  // Each lane's first counter (64 bits in two words), and whether it is a real channel (all ones)
  // or the block's padding (zero; it draws for the last real channel, and its flags are dropped).
  Vector first_lo, first_hi, valid;
  for (int l = 0; l < L; ++l) {
    const auto block =
        static_cast<uint64_t>((n * shape.c + std::min(first_channel + l, shape.c - 1)) * quads + first_quad);
    first_lo[l] = static_cast<uint32_t>(block);
    first_hi[l] = static_cast<uint32_t>(block >> 32);
    valid[l] = first_channel + l < shape.c ? ~0u : 0u;
  }
  for (int64_t q = first_quad; q < end_quad; ++q) {
    Vector c0 = first_lo + static_cast<uint32_t>(q - first_quad);
    // Carry into the high word where the low word wrapped (the comparison gives -1 there).
    Vector c1 = first_hi - Vector(c0 < first_lo);
    Vector c2 = layer_words, c3 = step_words;
    philox_rounds<Path>(seed, c0, c1, c2, c3);
    uint8_t* out = flags + 4 * (q - first_quad) * L;
    Path::store_flags(c0, limit, valid, out);
    Path::store_flags(c1, limit, valid, out + L);
    Path::store_flags(c2, limit, valid, out + 2 * L);
    Path::store_flags(c3, limit, valid, out + 3 * L);
  }
}

// Entry points compiled for each path, with everything they call inlined into them.
__attribute__((target("avx512f,avx512bw,bmi2"), flatten)) void avx512_blocks(uint64_t seed, uint32_t layer,
                                                                             uint64_t step, uint32_t threshold,
                                                                             uint8_t* keep, int64_t first_block,
                                                                             int64_t end_block) {
  vector_blocks<Avx512>(seed, layer, step, threshold, keep, first_block, end_block);
}

__attribute__((target("avx2"), flatten)) void avx2_blocks(uint64_t seed, uint32_t layer, uint64_t step,
                                                          uint32_t threshold, uint8_t* keep, int64_t first_block,
                                                          int64_t end_block) {
  vector_blocks<Avx2>(seed, layer, step, threshold, keep, first_block, end_block);
}

__attribute__((target("avx512f,avx512bw"), flatten)) void avx512_quads(uint64_t seed, uint32_t layer, uint64_t step,
                                                                        uint32_t threshold, uint8_t* flags,
                                                                        const BlockedMaskShape& shape, int64_t plane,
                                                                        int64_t first_quad, int64_t end_quad) {
  blocked_quads<Avx512>(seed, layer, step, threshold, flags, shape, plane, first_quad, end_quad);
}

__attribute__((target("avx2"), flatten)) void avx2_quads(uint64_t seed, uint32_t layer, uint64_t step,
                                                         uint32_t threshold, uint8_t* flags,
                                                         const BlockedMaskShape& shape, int64_t plane,
                                                         int64_t first_quad, int64_t end_quad) {
  blocked_quads<Avx2>(seed, layer, step, threshold, flags, shape, plane, first_quad, end_quad);
}

float bf16_to_float(uint16_t x) { return std::bit_cast<float>(static_cast<uint32_t>(x) << 16); }
uint16_t float_to_bf16(float x) {
  const auto bits = std::bit_cast<uint32_t>(x);
  return static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

// Dropped elements are cleared by masking their bits rather than by a select, which GCC leaves
// unvectorised below AVX-512 (it if-converts the select only with AVX-512's masked moves).
uint32_t all_ones_if(uint8_t kept) { return 0u - static_cast<uint32_t>(kept != 0); }

float scaled_or_zero(float x, uint8_t kept, float scale) {
  return std::bit_cast<float>(std::bit_cast<uint32_t>(x * scale) & all_ones_if(kept));
}
uint16_t scaled_or_zero(uint16_t x, uint8_t kept, float scale) {
  return static_cast<uint16_t>(float_to_bf16(bf16_to_float(x) * scale) & all_ones_if(kept));
}

template <class T>
EXPT_VECTOR_KERNEL void scale_kept_in_place(T* __restrict x, const uint8_t* __restrict mask, float scale,
                                            int64_t count) {
  for (int64_t i = 0; i < count; ++i) x[i] = scaled_or_zero(x[i], mask[i], scale);
}

template <class T>
EXPT_VECTOR_KERNEL void scale_kept_copy(const T* __restrict src, T* __restrict dst, const uint8_t* __restrict mask,
                                        float scale, int64_t count) {
  for (int64_t i = 0; i < count; ++i) dst[i] = scaled_or_zero(src[i], mask[i], scale);
}

}  // namespace

void scale_kept(VectorIsa isa, float* x, const uint8_t* mask, float scale, int64_t count) {
  run_vectorised<scale_kept_in_place<float>>(isa, x, mask, scale, count);
}

void scale_kept(VectorIsa isa, uint16_t* x, const uint8_t* mask, float scale, int64_t count) {
  run_vectorised<scale_kept_in_place<uint16_t>>(isa, x, mask, scale, count);
}

void scale_kept(VectorIsa isa, const float* src, float* dst, const uint8_t* mask, float scale, int64_t count) {
  run_vectorised<scale_kept_copy<float>>(isa, src, dst, mask, scale, count);
}

void scale_kept(VectorIsa isa, const uint16_t* src, uint16_t* dst, const uint8_t* mask, float scale,
                int64_t count) {
  run_vectorised<scale_kept_copy<uint16_t>>(isa, src, dst, mask, scale, count);
}

void draw_keep_mask(VectorIsa isa, uint64_t seed, uint32_t layer, uint64_t step, uint32_t threshold, uint8_t* keep,
                    int64_t elements) {
  const int64_t blocks = (elements + 3) / 4;
  // Whole vector groups (16 blocks, 64 elements on AVX-512; 8 and 32 on AVX2) that lie inside
  // the mask; the rest goes scalar.
  const int64_t group = isa == VectorIsa::avx512 ? 16 : isa == VectorIsa::avx2 ? 8 : 0;
  const int64_t vector_blocks = group > 0 ? elements / (4 * group) * group : 0;
  const int64_t items = (vector_blocks + kBlocksPerItem - 1) / kBlocksPerItem;
  const auto vector_blocks_of = isa == VectorIsa::avx512 ? avx512_blocks : avx2_blocks;
  // A parallel region costs microseconds (milliseconds when another process holds a core):
  // small masks, such as after a dense layer, stay on one thread.
#pragma omp parallel for schedule(static) if (items > 16)
  for (int64_t item = 0; item < items; ++item) {
    const int64_t first = item * kBlocksPerItem;
    vector_blocks_of(seed, layer, step, threshold, keep, first, std::min(first + kBlocksPerItem, vector_blocks));
  }
  scalar_blocks(seed, layer, step, threshold, keep, elements, vector_blocks, blocks);
}

bool blocked_keep_mask_fits(VectorIsa isa, int64_t block, int64_t spatial) {
  return isa != VectorIsa::scalar && block == (isa == VectorIsa::avx512 ? 16 : 8) && spatial % 4 == 0;
}

void draw_blocked_keep_quads(VectorIsa isa, uint64_t seed, uint32_t layer, uint64_t step, uint32_t threshold,
                             const BlockedMaskShape& shape, int64_t plane, int64_t first_quad, int64_t end_quad,
                             uint8_t* flags) {
  const auto quads_of = isa == VectorIsa::avx512 ? avx512_quads : avx2_quads;
  quads_of(seed, layer, step, threshold, flags, shape, plane, first_quad, end_quad);
}

void draw_blocked_keep_mask(VectorIsa isa, uint64_t seed, uint32_t layer, uint64_t step, uint32_t threshold,
                            uint8_t* mask, const BlockedMaskShape& shape) {
  const int64_t block = isa == VectorIsa::avx512 ? 16 : 8;
  const int64_t planes = shape.n * ((shape.c + block - 1) / block), quads = shape.spatial / 4;
  const int64_t items_per_plane = (quads + kBlocksPerItem - 1) / kBlocksPerItem, items = planes * items_per_plane;
#pragma omp parallel for schedule(static) if (items > 16)
  for (int64_t item = 0; item < items; ++item) {
    const int64_t plane = item / items_per_plane, first = item % items_per_plane * kBlocksPerItem;
    draw_blocked_keep_quads(isa, seed, layer, step, threshold, shape, plane, first,
                            std::min(first + kBlocksPerItem, quads), mask + (plane * shape.spatial + 4 * first) * block);
  }
}

}  // namespace expt::onednn
