#pragma once
// Seeded draws for data generation and splitting. std::mt19937_64's output sequence is fixed
// by the C++ standard, but std::uniform_*/normal_distribution are not (libstdc++, libc++ and
// MSVC differ), so the conversions to doubles are written out here: the same seed gives the
// same data set on every platform (up to last-ulp differences of std::log/std::cos, which
// essentially never change a rounded uint8 pixel).
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace expt {

// Each use of the run seed in src/data draws from its own stream, so e.g. the synthetic test
// images do not change when synthetic_train does, nor the held-out split with the data.
enum class DataStream : uint64_t { synthetic_train = 1, synthetic_test = 2, held_out_test = 3, augmentation = 4 };

// The stream's seed, by the SplitMix64 finaliser (well mixed even for seeds 0, 1, 2, ...).
inline uint64_t derive_seed(uint64_t seed, DataStream stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(stream);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}

  // [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }

  // Uniform in [0, n), without modulo bias (rejects the incomplete last block of 2^64).
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = engine_();
    while (x >= limit);
    return x % n;
  }

  // Standard normal by Box-Muller; the second value of each pair is kept for the next call.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    spare_ = radius * std::sin(2.0 * std::numbers::pi * u2);
    has_spare_ = true;
    return radius * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace expt
