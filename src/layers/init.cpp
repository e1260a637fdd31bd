#include "layers/init.hpp"

#include <cmath>
#include <random>

namespace expt {

void initialize_parameter(const ParamSpec& p, uint64_t seed, uint32_t param_index, std::span<float> out) {
  // std::mt19937_64's output sequence is fixed by the standard; the distributions are not, so
  // uniform and normal draws are made here rather than with std::*_distribution.
  std::mt19937_64 gen(seed * 0x9E3779B97F4A7C15ull + param_index + 1);
  auto uniform01 = [&] { return (static_cast<double>(gen() >> 11) + 0.5) * 0x1.0p-53; };
  auto standard_normal = [&] {  // Box-Muller
    return std::sqrt(-2.0 * std::log(uniform01())) * std::cos(6.283185307179586 * uniform01());
  };
  auto truncated = [&](double mean, double sd) {
    for (;;) {
      const double z = standard_normal();
      if (std::abs(z) <= 2.0) return mean + sd * z;
    }
  };
  const InitSpec& s = p.init;
  const double fan_avg = 0.5 * static_cast<double>(p.fan_in + p.fan_out);
  for (float& v : out) {
    double x = 0;
    switch (s.kind) {
      case InitSpec::Kind::truncated_normal: x = truncated(s.mean, s.stddev); break;
      case InitSpec::Kind::normal: x = s.mean + s.stddev * standard_normal(); break;
      case InitSpec::Kind::uniform: x = s.low + (s.high - s.low) * uniform01(); break;
      case InitSpec::Kind::constant: x = s.value; break;
      case InitSpec::Kind::glorot_uniform: {
        const double lim = std::sqrt(3.0 / fan_avg);
        x = -lim + 2 * lim * uniform01();
        break;
      }
      // 0.87962566 is the standard deviation of a unit normal truncated at +-2 (Keras' constant).
      case InitSpec::Kind::glorot_normal: x = truncated(0.0, std::sqrt(1.0 / fan_avg) / 0.87962566103423978); break;
      case InitSpec::Kind::he_uniform: {
        const double lim = std::sqrt(6.0 / static_cast<double>(p.fan_in));
        x = -lim + 2 * lim * uniform01();
        break;
      }
      case InitSpec::Kind::he_normal: x = truncated(0.0, std::sqrt(2.0 / static_cast<double>(p.fan_in)) / 0.87962566103423978); break;
    }
    v = static_cast<float>(x);
  }
}

}  // namespace expt
