#pragma once
// Measures this machine on the spot, so `expt bench` can say how far a step is from the floor
// that arithmetic and memory traffic set. Each takes well under a second. Rates are per second
// of each thread's CPU time, summed over threads: on a shared machine they describe the
// hardware rather than how much of it other processes left (the step times do show that).
#include "core/vector_isa.hpp"

namespace expt {

// fp32 fused multiply-add throughput of a register-only loop on `threads` threads (GFLOP/s,
// a multiply-add counting as 2), with AVX-512 where the CPU has it and `widest` allows it, else
// with AVX2.
double measure_fp32_peak_gflops(int threads, VectorIsa widest);

// bf16 dot-product throughput (vdpbf16ps, bf16 pairs accumulated in fp32) on `threads`
// threads in GFLOP/s; 0 when the CPU lacks AVX512_BF16. The ceiling for bf16 convolutions.
double measure_bf16_peak_gflops(int threads);

// STREAM-like triad a[i] = b[i] + s * c[i] over arrays far larger than the caches (GB/s,
// counting 3 x 4 bytes per element).
double measure_triad_gbytes_per_second(int threads);

}  // namespace expt
