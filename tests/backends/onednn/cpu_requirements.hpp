#pragma once
// Test cases that need more of the CPU than the baseline carry the requirement in their name
// ("[avx512_core]", "[avx2]"). CTest runs them as a test of their own (tests/backends/onednn/CMakeLists.txt): where
// oneDNN reports less, each such case prints why and returns, and CTest lists that test as
// skipped. ONEDNN_MAX_CPU_ISA=AVX2 shows on an AVX-512 machine what an AVX2-only one does.
#include <fmt/format.h>

#include <string>

#include "backends/onednn/cpu_isa.hpp"

namespace expt::onednn_test {

// Empty when oneDNN runs AVX-512 code here; otherwise the line the skipped case prints.
inline std::string avx512_core_missing() {
  if (onednn::has_avx512_core()) return "";
  return "skipped: needs AVX-512 (avx512_core), oneDNN reports " + onednn::effective_isa_name();
}

// Empty when expt's own kernels can take the `isa` path here (onednn::kernel_isa()); otherwise
// the line the skipped case prints.
inline std::string kernel_path_missing(VectorIsa isa) {
  if (onednn::kernel_isa() >= isa) return "";
  return fmt::format("skipped: needs the {} kernel path, this CPU with oneDNN at {} offers {}",
                     name_of(vector_isa_names, isa), onednn::effective_isa_name(),
                     name_of(vector_isa_names, onednn::kernel_isa()));
}

}  // namespace expt::onednn_test
