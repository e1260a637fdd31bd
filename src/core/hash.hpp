#pragma once
// A stable 64-bit content hash (FNV-1a) for config identities and cache keys. Not for security;
// chosen because it is the same on every platform and build, unlike std::hash.
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace expt {

inline uint64_t fnv1a64(std::string_view bytes, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

inline std::string hex64(uint64_t h) { return fmt::format("{:016x}", h); }

}  // namespace expt
