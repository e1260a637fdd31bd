#include "backends/onednn/bf16_weight_copy.hpp"

#include "backends/onednn/layouts.hpp"

namespace expt::onednn {

namespace {

constexpr int64_t kOutBlock = 64;

// Per block, input pair p and output o: the two bf16 values side by side, the even input in the
// low half (the lower address).
EXPT_VECTOR_KERNEL void pairs(const float* __restrict master, uint32_t* __restrict copy, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t p = 0; p < 8; ++p) {
      const float* even = master + b * kBf16CopyBlock + 2 * p * kOutBlock;
      const float* odd = even + kOutBlock;
      uint32_t* out = copy + (b * kBf16CopyBlock) / 2 + p * kOutBlock;
      for (int64_t o = 0; o < kOutBlock; ++o) out[o] = round_to_bf16(even[o]) | (round_to_bf16(odd[o]) << 16);
    }
}

}  // namespace

bool is_bf16_pair_copy(const dnnl::memory::desc& master, const dnnl::memory::desc& copy) {
  using tag = dnnl::memory::format_tag;
  using type = dnnl::memory::data_type;
  const dnnl::memory::dims dims = master.dims();
  if (dims.size() != 2 || dims[0] % kOutBlock != 0 || dims[1] % 16 != 0) return false;
  return same_layout(master, dnnl::memory::desc(dims, type::f32, tag::AB16b64a)) &&
         same_layout(copy, dnnl::memory::desc(dims, type::bf16, tag::AB8b64a2b));
}

void write_bf16_pairs(VectorIsa isa, const float* master, uint16_t* copy, int64_t begin, int64_t count) {
  // The copy's buffer is raw memory that oneDNN reads as bf16; here it is written in pairs.
  run_vectorised<pairs>(isa, master + begin, reinterpret_cast<uint32_t*>(copy + begin), count / kBf16CopyBlock);
}

}  // namespace expt::onednn
