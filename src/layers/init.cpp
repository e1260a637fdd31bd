#include "layers/init.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace expt {

namespace {

// Candidates per chunk: drawn in order on one thread, transformed on the OpenMP threads, then
// kept or rejected in order. 64 Ki candidates are 1 MiB of draws and 512 KiB of results.
constexpr size_t kChunk = size_t{1} << 16;
// Fewer candidates than this stay on the calling thread: a parallel region costs microseconds.
constexpr size_t kParallelFrom = 4096;

// std::mt19937_64's output sequence is fixed by the standard; the distributions are not, so the
// uniform and normal values are made here from its raw draws rather than with std::*_distribution.
double uniform01(uint64_t draw) { return (static_cast<double>(draw >> 11) + 0.5) * 0x1.0p-53; }
// Box-Muller from two draws, the radius's first.
double standard_normal(uint64_t radius_draw, uint64_t angle_draw) {
  return std::sqrt(-2.0 * std::log(uniform01(radius_draw))) * std::cos(6.283185307179586 * uniform01(angle_draw));
}

// How a kind turns draws into values: each candidate takes one draw (uniform) or two (normal);
// truncated kinds reject candidates outside +-2 standard deviations and draw again (TensorFlow's
// and Keras' rule); a kept candidate c becomes offset + scale * c.
struct Sampling {
  bool normal = false, truncated = false;
  double offset = 0, scale = 1;
};

Sampling sampling_of(const ParamSpec& p) {
  const InitSpec& s = p.init;
  const double fan_avg = 0.5 * static_cast<double>(p.fan_in + p.fan_out);
  // 0.87962566 is the standard deviation of a unit normal truncated at +-2 (Keras' constant).
  constexpr double kTruncatedStddev = 0.87962566103423978;
  switch (s.kind) {
    case InitSpec::Kind::truncated_normal: return {true, true, s.mean, s.stddev};
    case InitSpec::Kind::normal: return {true, false, s.mean, s.stddev};
    case InitSpec::Kind::uniform: return {false, false, s.low, s.high - s.low};
    case InitSpec::Kind::constant: return {false, false, s.value, 0};
    case InitSpec::Kind::glorot_uniform: {
      const double lim = std::sqrt(3.0 / fan_avg);
      return {false, false, -lim, 2 * lim};
    }
    case InitSpec::Kind::glorot_normal: return {true, true, 0.0, std::sqrt(1.0 / fan_avg) / kTruncatedStddev};
    case InitSpec::Kind::he_uniform: {
      const double lim = std::sqrt(6.0 / static_cast<double>(p.fan_in));
      return {false, false, -lim, 2 * lim};
    }
    case InitSpec::Kind::he_normal:
      return {true, true, 0.0, std::sqrt(2.0 / static_cast<double>(p.fan_in)) / kTruncatedStddev};
  }
  return {};
}

}  // namespace

// The values are those of drawing, for each element in turn, candidates until one is kept: the
// chunks only move the transforms (a logarithm, a cosine and a square root per normal) onto
// several threads. A chunk may draw past the last value needed, which changes nothing: the
// generator belongs to this tensor alone.
void initialize_parameter(const ParamSpec& p, uint64_t seed, uint32_t param_index, std::span<float> out) {
  const Sampling sampling = sampling_of(p);
  if (p.init.kind == InitSpec::Kind::constant) return std::fill(out.begin(), out.end(), static_cast<float>(sampling.offset));
  std::mt19937_64 gen(seed * 0x9E3779B97F4A7C15ull + param_index + 1);
  const size_t draws_per_candidate = sampling.normal ? 2 : 1;
  std::vector<uint64_t> draws(kChunk * draws_per_candidate);
  std::vector<double> candidates(kChunk);
  size_t filled = 0;
  while (filled < out.size()) {
    // Without rejection, exactly the candidates still needed; with it (4.6% of normals fall
    // outside +-2), a sixteenth more and a few, so a small tensor does not transform a whole chunk.
    const size_t needed = out.size() - filled;
    const size_t count = std::min(kChunk, sampling.truncated ? needed + needed / 16 + 64 : needed);
    for (size_t i = 0; i < count * draws_per_candidate; ++i) draws[i] = gen();
    const auto signed_count = static_cast<int64_t>(count);
#pragma omp parallel for schedule(static) if (count >= kParallelFrom)
    for (int64_t i = 0; i < signed_count; ++i) {
      const auto at = static_cast<size_t>(i);
      candidates[at] = sampling.normal ? standard_normal(draws[2 * at], draws[2 * at + 1]) : uniform01(draws[at]);
    }
    for (size_t i = 0; i < count && filled < out.size(); ++i)
      if (!sampling.truncated || std::abs(candidates[i]) <= 2.0)
        out[filled++] = static_cast<float>(sampling.offset + sampling.scale * candidates[i]);
  }
}

}  // namespace expt
