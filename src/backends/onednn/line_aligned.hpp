#pragma once
// Scratch floats that start on a cache line. The allocator returns large blocks 16 bytes past a
// 64-byte boundary, so every AVX-512 vector read or written in a plain std::vector<float> straddled
// two lines: aligning the Winograd kernel's buffers took 15-20% off its backward-weights
// (docs/onednn-notes.md §20).
#include <cstdint>
#include <vector>

namespace expt::onednn {

// At least `floats` floats of `buffer` from a 64-byte boundary, growing it when needed and keeping
// it between calls (the callers' buffers are thread_local scratch, reused at every step).
inline float* line_aligned(std::vector<float>& buffer, int64_t floats) {
  constexpr int64_t kLineFloats = 16;
  if (buffer.size() < static_cast<size_t>(floats + kLineFloats))
    buffer.resize(static_cast<size_t>(floats + kLineFloats));
  const auto past_line = static_cast<int64_t>(reinterpret_cast<uintptr_t>(buffer.data()) % 64 / sizeof(float));
  return buffer.data() + (past_line == 0 ? 0 : kLineFloats - past_line);
}

}  // namespace expt::onednn
