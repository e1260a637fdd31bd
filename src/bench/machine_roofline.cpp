#include "bench/machine_roofline.hpp"

#include <immintrin.h>
#include <omp.h>
#include <time.h>

#include <algorithm>
#include <vector>

namespace expt {
namespace {

constexpr int kAccumulators = 12;  // enough independent chains to hide the FMA latency (4 cycles x 2 ports)

// CPU time of the calling thread: on a shared machine a thread that is descheduled for a while
// does not count that while against the hardware, so the numbers describe the machine, not its load.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Runs work(thread, threads) on `threads` threads `repeats` times; per run, the rate is the sum
// over threads of amount(thread) / that thread's CPU time. Returns the best run's rate.
template <typename Work>
double best_rate(int threads, int repeats, double amount_per_thread, Work&& work) {
  double best = 0;
  for (int r = 0; r < repeats; ++r) {
    double rate = 0;
#pragma omp parallel num_threads(threads) reduction(+ : rate)
    {
      const double start = thread_cpu_seconds();
      work();
      rate += amount_per_thread / (thread_cpu_seconds() - start);
    }
    best = std::max(best, rate);
  }
  return best;
}

__attribute__((target("avx512f"))) float sum_lanes(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  float total = 0;
  for (float x : lanes) total += x;
  return total;
}

__attribute__((target("avx512f"))) float fma_loop_avx512(long iterations) {
  __m512 acc[kAccumulators];
  for (auto& a : acc) a = _mm512_set1_ps(1.0f);
  const __m512 m = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i)
    for (auto& a : acc) a = _mm512_fmadd_ps(a, m, c);
  __m512 sum = acc[0];
  for (int k = 1; k < kAccumulators; ++k) sum = _mm512_add_ps(sum, acc[k]);
  return sum_lanes(sum);
}

__attribute__((target("avx2,fma"))) float fma_loop_avx2(long iterations) {
  __m256 acc[kAccumulators];
  for (auto& a : acc) a = _mm256_set1_ps(1.0f);
  const __m256 m = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i)
    for (auto& a : acc) a = _mm256_fmadd_ps(a, m, c);
  __m256 sum = acc[0];
  for (int k = 1; k < kAccumulators; ++k) sum = _mm256_add_ps(sum, acc[k]);
  alignas(32) float out[8];
  _mm256_store_ps(out, sum);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

// vdpbf16ps: 16 lanes x 2 bf16 products, each accumulated into fp32 = 64 FLOPs per instruction.
__attribute__((target("avx512f,avx512bf16"))) float dot_bf16_loop(long iterations) {
  __m512 acc[kAccumulators];
  for (auto& a : acc) a = _mm512_setzero_ps();
  const __m512bh x = (__m512bh)_mm512_set1_epi16(0x3F80);  // 1.0 in bf16
  const __m512bh y = (__m512bh)_mm512_set1_epi16(0x3380);  // about 6e-8: the sums stay finite
  for (long i = 0; i < iterations; ++i)
    for (auto& a : acc) a = _mm512_dpbf16_ps(a, x, y);
  __m512 sum = acc[0];
  for (int k = 1; k < kAccumulators; ++k) sum = _mm512_add_ps(sum, acc[k]);
  return sum_lanes(sum);
}

}  // namespace

double measure_bf16_peak_gflops(int threads) {
  if (!__builtin_cpu_supports("avx512bf16")) return 0.0;
  constexpr long kIterations = 2'000'000;
  volatile float sink = 0;  // keeps the loop from being optimised away
  const double flops = 64.0 * kAccumulators * kIterations;
  return best_rate(threads, 5, flops, [&] { sink = sink + dot_bf16_loop(kIterations); }) / 1e9;
}

double measure_fp32_peak_gflops(int threads, VectorIsa widest) {
  const bool avx512 = widest == VectorIsa::avx512 && __builtin_cpu_supports("avx512f");
  constexpr long kIterations = 2'000'000;
  volatile float sink = 0;
  const double flops = 2.0 * (avx512 ? 16 : 8) * kAccumulators * kIterations;
  return best_rate(threads, 5, flops, [&] {
           sink = sink + (avx512 ? fma_loop_avx512(kIterations) : fma_loop_avx2(kIterations));
         }) /
         1e9;
}

double measure_triad_gbytes_per_second(int threads) {
  const size_t n = size_t{32} << 20;  // 3 x 128 MiB: far beyond any L3
  std::vector<float> a(n), b(n, 1.0f), c(n, 2.0f);
  const float s = 0.5f;
  const size_t share = n / static_cast<size_t>(threads);
  const auto triad_share = [&] {
    const size_t begin = share * static_cast<size_t>(omp_get_thread_num());
    for (size_t i = begin; i < begin + share; ++i) a[i] = b[i] + s * c[i];
  };
  best_rate(threads, 1, 0.0, triad_share);  // first touch: page faults are not bandwidth
  return best_rate(threads, 4, 3.0 * 4.0 * static_cast<double>(share), triad_share) / 1e9;
}

}  // namespace expt
