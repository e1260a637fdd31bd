#pragma once
// Per-sample tensor shape in channel-height-width order (PyTorch's NCHW without N).
#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace expt {

struct Shape {
  int64_t c = 0, h = 0, w = 0;
  int64_t size() const { return c * h * w; }
  bool operator==(const Shape&) const = default;
  std::string str() const { return fmt::format("{}x{}x{}", c, h, w); }
};

}  // namespace expt
