#pragma once
// bf16 training reads the dense weights as a bf16 copy of the fp32 master weights. oneDNN's
// reorder made that copy at every forward: for the seed network's fc1 it read 392 MiB and wrote
// 196 MiB a step (19-21 ms on the 2-core Zen 5). The optimizer instead writes it tile by tile,
// right after updating the master weights, while they are still in the core's cache
// (optimizer.hpp; docs/onednn-notes.md §12).
//
// The layouts oneDNN 2.6 picks for such a layer: fp32 master AB16b64a (blocks of 16 inputs x 64
// outputs, outputs innermost), bf16 copy AB8b64a2b (the same blocks, each pair of inputs
// interleaved per output, as the bf16 dot-product instructions read them).
#include <bit>
#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>

#include "core/vector_isa.hpp"

namespace expt::onednn {

inline constexpr int64_t kBf16CopyBlock = 16 * 64;  // floats per weight block

// The bf16 bits of `value`, rounded to nearest even as oneDNN's reorder rounds normal numbers
// (the tests compare the two), NaN kept a (quiet) NaN; in the low 16 bits.
EXPT_VECTOR_KERNEL uint32_t round_to_bf16(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
  const uint32_t quiet_nan = (bits >> 16) | 0x40u;
  return (bits & 0x7FFFFFFFu) > 0x7F800000u ? quiet_nan : rounded;
}

// True when `master` is f32 AB16b64a and `copy` bf16 AB8b64a2b of the same dims, without padding.
bool is_bf16_pair_copy(const dnnl::memory::desc& master, const dnnl::memory::desc& copy);

// copy = round_to_bf16(master) over elements [begin, begin + count) of the master's buffer (whole
// blocks: the optimizer's chunks and tiles are).
void write_bf16_pairs(VectorIsa isa, const float* master, uint16_t* copy, int64_t begin, int64_t count);

}  // namespace expt::onednn
