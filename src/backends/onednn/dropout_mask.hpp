#pragma once
// The dropout keep-mask of one layer and step, in logical NCHW order: keep[i] = 1 when element
// i's Philox draw (core/philox.hpp) is at or above `threshold`, bit-identical to the reference.
#include <cstdint>

namespace expt::onednn {

// Runs on the OpenMP threads; AVX-512 draws 16 Philox blocks (64 elements) per iteration when
// the CPU has AVX512BW and BMI2, scalar blocks otherwise.
void draw_keep_mask(uint64_t seed, uint32_t layer, uint64_t step, uint32_t threshold, uint8_t* keep,
                    int64_t elements);

// x[i] = mask[i] ? x[i] * scale : 0 over contiguous memory (dropout's backward), for fp32 and
// bf16 (rounded to nearest even), compiled for AVX-512, AVX2 and the baseline.
void scale_kept(float* x, const uint8_t* mask, float scale, int64_t count);
void scale_kept(uint16_t* x, const uint8_t* mask, float scale, int64_t count);

}  // namespace expt::onednn
