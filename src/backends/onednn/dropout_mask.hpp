#pragma once
// The dropout keep-mask of one layer and step, in logical NCHW order: keep[i] = 1 when element
// i's Philox draw (core/philox.hpp) is at or above `threshold`, bit-identical to the reference.
#include <cstdint>

#include "core/vector_isa.hpp"

namespace expt::onednn {

// Runs on the OpenMP threads, on the path `isa` names (the network passes kernel_isa(),
// cpu_isa.hpp): AVX-512 draws 16 Philox blocks (64 elements) per iteration, AVX2 8 blocks (32
// elements), scalar one block; every path gives the same mask.
void draw_keep_mask(VectorIsa isa, uint64_t seed, uint32_t layer, uint64_t step, uint32_t threshold, uint8_t* keep,
                    int64_t elements);

// The same flags for a tensor [n][C / block][spatial][block] (nChw16c on AVX-512, nChw8c on
// AVX2: blocked_keep_mask_fits), drawn straight into that physical order, 0 in the last block's
// padding channels. Each lane draws for one channel, four pixels a Philox block, so `spatial`
// must be a multiple of 4 (each block's four elements then lie in one channel's plane).
struct BlockedMaskShape {
  int64_t n = 0, c = 0, spatial = 0;
};
bool blocked_keep_mask_fits(VectorIsa isa, int64_t block, int64_t spatial);
void draw_blocked_keep_mask(VectorIsa isa, uint64_t seed, uint32_t layer, uint64_t step, uint32_t threshold,
                            uint8_t* mask, const BlockedMaskShape& shape);
// The part of that mask for quads [first_quad, end_quad) of one plane (image n, channel block
// cb: plane n * blocks + cb), the first quad's flags at `flags`; on the calling thread.
void draw_blocked_keep_quads(VectorIsa isa, uint64_t seed, uint32_t layer, uint64_t step, uint32_t threshold,
                             const BlockedMaskShape& shape, int64_t plane, int64_t first_quad, int64_t end_quad,
                             uint8_t* flags);

// x[i] = mask[i] ? x[i] * scale : 0 over contiguous memory (dropout's backward), for fp32 and
// bf16 (rounded to nearest even), in the copy compiled for `isa`; every copy gives the same result.
void scale_kept(VectorIsa isa, float* x, const uint8_t* mask, float scale, int64_t count);
void scale_kept(VectorIsa isa, uint16_t* x, const uint8_t* mask, float scale, int64_t count);
// The same from src into dst, which must not overlap (dropout's forward).
void scale_kept(VectorIsa isa, const float* src, float* dst, const uint8_t* mask, float scale, int64_t count);
void scale_kept(VectorIsa isa, const uint16_t* src, uint16_t* dst, const uint8_t* mask, float scale, int64_t count);

}  // namespace expt::onednn
