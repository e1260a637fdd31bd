#include "backends/onednn/dropout_mask.hpp"

// GCC 12's AVX-512 headers start intrinsics from _mm512_undefined_*(), which its own
// -Wmaybe-uninitialized then reports at every inlined call.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <bit>

#include "backends/onednn/cpu_isa.hpp"
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

float bf16_to_float(uint16_t x) { return std::bit_cast<float>(static_cast<uint32_t>(x) << 16); }
uint16_t float_to_bf16(float x) {
  const auto bits = std::bit_cast<uint32_t>(x);
  return static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

}  // namespace

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void scale_kept(float* __restrict x,
                                                                            const uint8_t* __restrict mask,
                                                                            float scale, int64_t count) {
  for (int64_t i = 0; i < count; ++i) x[i] = mask[i] ? x[i] * scale : 0.0f;
}

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void scale_kept(uint16_t* __restrict x,
                                                                            const uint8_t* __restrict mask,
                                                                            float scale, int64_t count) {
  for (int64_t i = 0; i < count; ++i) x[i] = float_to_bf16(mask[i] ? bf16_to_float(x[i]) * scale : 0.0f);
}

void draw_keep_mask(uint64_t seed, uint32_t layer, uint64_t step, uint32_t threshold, uint8_t* keep,
                    int64_t elements) {
  // The ISA oneDNN runs with decides, so ONEDNN_MAX_CPU_ISA caps expt's own kernels too.
  static const bool avx512 = has_avx512_core() && __builtin_cpu_supports("bmi2");
  const int64_t blocks = (elements + 3) / 4;
  // Whole 16-block groups that lie inside the mask; the rest (at most 15 blocks) goes scalar.
  const int64_t vector_blocks = avx512 ? elements / 64 * 16 : 0;
  const int64_t items = (vector_blocks + kBlocksPerItem - 1) / kBlocksPerItem;
  // A parallel region costs microseconds (milliseconds when another process holds a core):
  // small masks, such as after a dense layer, stay on one thread.
#pragma omp parallel for schedule(static) if (items > 16)
  for (int64_t item = 0; item < items; ++item) {
    const int64_t first = item * kBlocksPerItem;
    avx512_blocks(seed, layer, step, threshold, keep, first, std::min(first + kBlocksPerItem, vector_blocks));
  }
  scalar_blocks(seed, layer, step, threshold, keep, elements, vector_blocks, blocks);
}

}  // namespace expt::onednn
