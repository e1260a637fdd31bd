#pragma once
// Per-sample tensor shape in channel-height-width order (PyTorch's NCHW without N).
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "core/checked_arithmetic.hpp"
#include "core/error.hpp"

namespace expt {

struct Shape {
  int64_t c = 0, h = 0, w = 0;
  // Shapes come from configs (image_size, layer sizes): one too large to count is a config error.
  int64_t size() const {
    if (const auto n = checked_product({c, h, w})) return *n;
    throw ConfigError(fmt::format("shape {} has more than 2^63 elements", str()));
  }
  bool operator==(const Shape&) const = default;
  std::string str() const { return fmt::format("{}x{}x{}", c, h, w); }
};

}  // namespace expt
