#include "backends/onednn/dropout_mask.hpp"

// GCC 12's AVX-512 headers start intrinsics from _mm512_undefined_*(), which its own
// -Wmaybe-uninitialized then reports at every inlined call.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <bit>

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

// Philox4x32-10 on 16 consecutive blocks at once, one block per 32-bit lane (structure of arrays):
// the 32x32->64 multiplies are two vpmuludq (even and odd lanes) blended back together.
__attribute__((target("avx512f,avx512bw,bmi2"))) void mulhilo16(__m512i a, __m512i m, __m512i& hi, __m512i& lo) {
  const __m512i even = _mm512_mul_epu32(a, m);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
  hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
  lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
}

__attribute__((target("avx512f,avx512bw,bmi2"))) void avx512_blocks(uint64_t seed, uint32_t layer, uint64_t step,
                                                                    uint32_t threshold, uint8_t* keep,
                                                                    int64_t first_block, int64_t end_block) {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(0xCD9E8D57u));
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  // Unsigned compare against the threshold, as the scalar `draw >= threshold`.
  const __m512i limit = _mm512_set1_epi32(static_cast<int>(threshold));
  for (int64_t b = first_block; b < end_block; b += 16) {
    const auto base = static_cast<uint64_t>(b);
    const __m512i base_lo = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(base)));
    __m512i c0 = _mm512_add_epi32(base_lo, lane);
    // Carry into the high word where the low word wrapped.
    __m512i c1 = _mm512_mask_add_epi32(_mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(base >> 32))),
                                       _mm512_cmplt_epu32_mask(c0, base_lo),
                                       _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(base >> 32))),
                                       _mm512_set1_epi32(1));
    __m512i c2 = _mm512_set1_epi32(static_cast<int>(layer));
    __m512i c3 = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(step)));
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
      __m512i hi0, lo0, hi1, lo1;
      mulhilo16(c0, m0, hi0, lo0);
      mulhilo16(c2, m1, hi1, lo1);
      // 0x96: three-way exclusive or.
      c0 = _mm512_ternarylogic_epi32(hi1, c1, _mm512_set1_epi32(static_cast<int>(k0)), 0x96);
      c1 = lo1;
      c2 = _mm512_ternarylogic_epi32(hi0, c3, _mm512_set1_epi32(static_cast<int>(k1)), 0x96);
      c3 = lo0;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    // Word j of lane l is element 4 l + j: spread each word's 16 keep bits to every 4th bit.
    const uint64_t bits = _pdep_u64(_mm512_cmpge_epu32_mask(c0, limit), 0x1111111111111111ull) |
                          _pdep_u64(_mm512_cmpge_epu32_mask(c1, limit), 0x2222222222222222ull) |
                          _pdep_u64(_mm512_cmpge_epu32_mask(c2, limit), 0x4444444444444444ull) |
                          _pdep_u64(_mm512_cmpge_epu32_mask(c3, limit), 0x8888888888888888ull);
    _mm512_storeu_si512(keep + 4 * b, _mm512_maskz_set1_epi8(bits, 1));
  }
}

// The same 8 blocks at a time for AVX2, which has no unsigned compares: a >= b is max(a, b) == a.
__attribute__((target("avx2"))) __m256i at_least(__m256i a, __m256i b) {
  return _mm256_cmpeq_epi32(_mm256_max_epu32(a, b), a);
}

__attribute__((target("avx2"))) void mulhilo8(__m256i a, __m256i m, __m256i& hi, __m256i& lo) {
  const __m256i even = _mm256_mul_epu32(a, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

__attribute__((target("avx2"))) void avx2_blocks(uint64_t seed, uint32_t layer, uint64_t step, uint32_t threshold,
                                                 uint8_t* keep, int64_t first_block, int64_t end_block) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(0xCD9E8D57u));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i limit = _mm256_set1_epi32(static_cast<int>(threshold));
  // Within each 128-bit half after the packs below, byte 4 j + l holds word j of lane l; this
  // shuffle puts it at 4 l + j, the element order.
  const __m256i transpose = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15, 0, 4, 8, 12, 1, 5,
                                             9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  for (int64_t b = first_block; b < end_block; b += 8) {
    const auto base = static_cast<uint64_t>(b);
    const __m256i base_lo = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(base)));
    __m256i c0 = _mm256_add_epi32(base_lo, lane);
    // Carry into the high word where the low word wrapped (c0 < base_lo): at_least gives -1
    // where it did not, so -1 + 1 adds nothing there and 0 + 1 adds the carry.
    __m256i c1 = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(base >> 32))),
                                  _mm256_add_epi32(at_least(c0, base_lo), one));
    __m256i c2 = _mm256_set1_epi32(static_cast<int>(layer));
    __m256i c3 = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(step)));
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
      __m256i hi0, lo0, hi1, lo1;
      mulhilo8(c0, m0, hi0, lo0);
      mulhilo8(c2, m1, hi1, lo1);
      c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32(static_cast<int>(k0)));
      c1 = lo1;
      c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32(static_cast<int>(k1)));
      c3 = lo0;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    // Keep flags (0 or -1) narrowed to bytes: each 128-bit half then holds words 0-3 of its 4 lanes.
    const __m256i words01 = _mm256_packs_epi32(at_least(c0, limit), at_least(c1, limit));
    const __m256i words23 = _mm256_packs_epi32(at_least(c2, limit), at_least(c3, limit));
    const __m256i flags = _mm256_shuffle_epi8(_mm256_packs_epi16(words01, words23), transpose);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(keep + 4 * b), _mm256_and_si256(flags, _mm256_set1_epi8(1)));
  }
}

float bf16_to_float(uint16_t x) { return std::bit_cast<float>(static_cast<uint32_t>(x) << 16); }
uint16_t float_to_bf16(float x) {
  const auto bits = std::bit_cast<uint32_t>(x);
  return static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

EXPT_VECTOR_KERNEL void scale_kept_f32(float* __restrict x, const uint8_t* __restrict mask, float scale,
                                       int64_t count) {
  for (int64_t i = 0; i < count; ++i) x[i] = mask[i] ? x[i] * scale : 0.0f;
}

EXPT_VECTOR_KERNEL void scale_kept_bf16(uint16_t* __restrict x, const uint8_t* __restrict mask, float scale,
                                        int64_t count) {
  for (int64_t i = 0; i < count; ++i) x[i] = float_to_bf16(mask[i] ? bf16_to_float(x[i]) * scale : 0.0f);
}

}  // namespace

void scale_kept(VectorIsa isa, float* x, const uint8_t* mask, float scale, int64_t count) {
  run_vectorised<scale_kept_f32>(isa, x, mask, scale, count);
}

void scale_kept(VectorIsa isa, uint16_t* x, const uint8_t* mask, float scale, int64_t count) {
  run_vectorised<scale_kept_bf16>(isa, x, mask, scale, count);
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

}  // namespace expt::onednn
