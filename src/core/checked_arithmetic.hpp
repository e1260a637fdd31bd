#pragma once
// Sizes computed from user input (image sizes, kernels, units, file headers) can exceed 64 bits.
// Wrapped, they would turn into small or negative sizes and then into reads past the end of a
// buffer (and signed overflow is undefined behaviour): every such product goes through here.
#include <cstdint>
#include <initializer_list>
#include <optional>

namespace expt {

// The product of non-negative factors, or nullopt when it does not fit in T.
template <typename T>
std::optional<T> checked_product(std::initializer_list<T> factors) {
  T product = 1;
  for (const T f : factors)
    if (__builtin_mul_overflow(product, f, &product)) return std::nullopt;
  return product;
}

inline std::optional<int64_t> checked_sum(int64_t a, int64_t b) {
  int64_t s;
  if (__builtin_add_overflow(a, b, &s)) return std::nullopt;
  return s;
}

}  // namespace expt
