#pragma once
// Sizes computed from user input (image sizes, kernels, units) can exceed 64 bits; these say so
// instead of overflowing, which would be undefined behaviour.
#include <cstdint>
#include <initializer_list>
#include <optional>

namespace expt {

inline std::optional<int64_t> checked_product(std::initializer_list<int64_t> factors) {
  int64_t p = 1;
  for (const int64_t f : factors)
    if (__builtin_mul_overflow(p, f, &p)) return std::nullopt;
  return p;
}

inline std::optional<int64_t> checked_sum(int64_t a, int64_t b) {
  int64_t s;
  if (__builtin_add_overflow(a, b, &s)) return std::nullopt;
  return s;
}

}  // namespace expt
