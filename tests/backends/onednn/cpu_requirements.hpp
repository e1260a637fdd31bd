#pragma once
// Test cases that need more of the CPU than the baseline carry the requirement in their name
// ("[avx512_core]"). CTest runs them as a test of their own (tests/backends/onednn/CMakeLists.txt): where
// oneDNN reports less, each such case prints why and returns, and CTest lists that test as
// skipped. ONEDNN_MAX_CPU_ISA=AVX2 shows on an AVX-512 machine what an AVX2-only one does.
#include <string>

#include "backends/onednn/cpu_isa.hpp"

namespace expt::onednn_test {

// Empty when oneDNN runs AVX-512 code here; otherwise the line the skipped case prints.
inline std::string avx512_core_missing() {
  if (onednn::has_avx512_core()) return "";
  return "skipped: needs AVX-512 (avx512_core), oneDNN reports " + onednn::effective_isa_name();
}

}  // namespace expt::onednn_test
