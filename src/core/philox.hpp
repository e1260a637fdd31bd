#pragma once
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
// Counter-based: the value at (key, counter) needs no state, so every backend (CPU loops,
// oneDNN, CUDA kernels) draws bit-identical dropout masks for the same run, layer and step.
#include <cstdint>

#include "core/host_device.hpp"

namespace expt::philox {

struct Block {
  uint32_t v[4];
};

EXPT_HOST_DEVICE inline void mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t p = static_cast<uint64_t>(a) * b;
  hi = static_cast<uint32_t>(p >> 32);
  lo = static_cast<uint32_t>(p);
}

EXPT_HOST_DEVICE inline Block philox4x32_10(Block ctr, uint32_t k0, uint32_t k1) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kM0, ctr.v[0], hi0, lo0);
    mulhilo(kM1, ctr.v[2], hi1, lo1);
    ctr = Block{{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
    k0 += kW0;
    k1 += kW1;
  }
  return ctr;
}

// The dropout stream: key = run seed; counter = (element / 4, layer, step).
// Element i of a layer's mask at a step uses word i % 4 of block i / 4.
EXPT_HOST_DEVICE inline Block dropout_block(uint64_t seed, uint32_t layer, uint64_t step,
                                            uint64_t block_index) {
  Block ctr{{static_cast<uint32_t>(block_index), static_cast<uint32_t>(block_index >> 32), layer,
             static_cast<uint32_t>(step)}};
  return philox4x32_10(ctr, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// An element is kept when its 32-bit draw is at or above rate * 2^32.
EXPT_HOST_DEVICE inline uint32_t drop_threshold(float rate) {
  const double t = static_cast<double>(rate) * 4294967296.0;
  return t >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<uint32_t>(t);
}

// The dropout rule every backend applies, for one layer at one step: element i (counted over
// the whole batch tensor, so the mask depends on the batch size) is kept when word i % 4 of
// dropout_block(seed, layer, step, i / 4) is at or above `threshold`, and a kept element is
// multiplied by `scale` (inverted dropout). Backward applies the same mask to the gradient.
struct DropoutMask {
  uint64_t seed = 0;
  uint32_t layer = 0;
  uint64_t step = 0;
  uint32_t threshold = 0;
  float scale = 1.0f;
  EXPT_HOST_DEVICE bool keeps(uint32_t draw) const { return draw >= threshold; }
};

// spatial_dropout applies the same rule to channels instead of elements: unit u = sample * C +
// channel (counted over the batch) is kept when word u % 4 of dropout_block(seed, layer, step,
// u / 4) is at or above `threshold`, and every element of that sample's channel follows it.
// Element dropout's stream is reused as it is, so one mask kernel per backend serves both kinds.

// The threshold from the rate as a float; the scale 1 / (1 - rate) computed in double and
// rounded once to float. Every backend takes both from here, so their outputs agree bit for bit.
inline DropoutMask dropout_mask(uint64_t seed, uint32_t layer, uint64_t step, double rate) {
  return DropoutMask{seed, layer, step, drop_threshold(static_cast<float>(rate)),
                     static_cast<float>(1.0 / (1.0 - rate))};
}

}  // namespace expt::philox
