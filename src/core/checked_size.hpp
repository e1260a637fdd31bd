#pragma once
// Products of sizes that come from files and configs. A crafted header or a huge image_size can
// make them wrap past 2^63 (or 2^64), which would turn into a small or negative size and then
// into reads past the end of a buffer: every such product goes through here instead.
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

}  // namespace expt
