// Parameter initialisation (layers/init.hpp): the values of every kind are those of the plain
// definition, one element at a time, drawing candidates until one is kept, whatever the number
// of threads that transform them and across the chunks the draws are taken in.
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <random>
#include <vector>

#include "layers/init.hpp"

namespace expt {

namespace {

// The definition, as written before the transforms ran on several threads.
std::vector<float> one_at_a_time(const ParamSpec& p, uint64_t seed, uint32_t param_index, size_t size) {
  std::mt19937_64 gen(seed * 0x9E3779B97F4A7C15ull + param_index + 1);
  auto uniform01 = [&] { return (static_cast<double>(gen() >> 11) + 0.5) * 0x1.0p-53; };
  auto standard_normal = [&] {
    const double radius = std::sqrt(-2.0 * std::log(uniform01()));
    return radius * std::cos(6.283185307179586 * uniform01());
  };
  auto truncated = [&](double mean, double sd) {
    for (;;) {
      const double z = standard_normal();
      if (std::abs(z) <= 2.0) return mean + sd * z;
    }
  };
  const InitSpec& s = p.init;
  const double fan_avg = 0.5 * static_cast<double>(p.fan_in + p.fan_out);
  const double glorot_lim = std::sqrt(3.0 / fan_avg), he_lim = std::sqrt(6.0 / static_cast<double>(p.fan_in));
  std::vector<float> out(size);
  for (float& v : out) {
    double x = s.value;
    switch (s.kind) {
      case InitSpec::Kind::truncated_normal: x = truncated(s.mean, s.stddev); break;
      case InitSpec::Kind::normal: x = s.mean + s.stddev * standard_normal(); break;
      case InitSpec::Kind::uniform: x = s.low + (s.high - s.low) * uniform01(); break;
      case InitSpec::Kind::constant: break;
      case InitSpec::Kind::glorot_uniform: x = -glorot_lim + 2 * glorot_lim * uniform01(); break;
      case InitSpec::Kind::glorot_normal: x = truncated(0.0, std::sqrt(1.0 / fan_avg) / 0.87962566103423978); break;
      case InitSpec::Kind::he_uniform: x = -he_lim + 2 * he_lim * uniform01(); break;
      case InitSpec::Kind::he_normal:
        x = truncated(0.0, std::sqrt(2.0 / static_cast<double>(p.fan_in)) / 0.87962566103423978);
        break;
    }
    v = static_cast<float>(x);
  }
  return out;
}

}  // namespace

TEST_CASE("parameter initialisation gives the one-at-a-time values on any number of threads") {
  const InitSpec::Kind kinds[] = {InitSpec::Kind::truncated_normal, InitSpec::Kind::normal,
                                  InitSpec::Kind::uniform,          InitSpec::Kind::constant,
                                  InitSpec::Kind::glorot_uniform,   InitSpec::Kind::glorot_normal,
                                  InitSpec::Kind::he_uniform,       InitSpec::Kind::he_normal};
  const int threads_before = omp_get_max_threads();
  for (const InitSpec::Kind kind : kinds) {
    ParamSpec p;
    p.init = InitSpec{kind, 0.25, 0.1, -0.3, 0.7};
    p.init.value = 0.5;
    p.fan_in = 27;
    p.fan_out = 32;
    // One value; fewer than the parallel threshold; several chunks of draws and a partial one.
    for (const size_t size : {size_t{1}, size_t{1000}, size_t{3 * 65536 + 7}}) {
      const std::vector<float> want = one_at_a_time(p, 12345, 3, size);
      for (const int threads : {1, 2, 3}) {
        CAPTURE(static_cast<int>(kind));
        CAPTURE(size);
        CAPTURE(threads);
        omp_set_num_threads(threads);
        std::vector<float> got(size);
        initialize_parameter(p, 12345, 3, got);
        CHECK(got == want);
      }
    }
  }
  omp_set_num_threads(threads_before);
}

}  // namespace expt
