#pragma once
// The command line the kernel benchmarks share: NAME [avx2|avx512] [calls], the vector path
// checked against what this CPU has (default: its best).
#include <fmt/core.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "core/vector_isa.hpp"

struct KernelBenchArgs {
  expt::VectorIsa isa;
  int calls;
};

// The arguments, or nullopt after saying on stderr what was wrong (the caller exits with 2).
inline std::optional<KernelBenchArgs> parse_kernel_bench_args(int argc, char** argv, const char* name) {
  using expt::VectorIsa;
  const std::string path = argc > 1 ? argv[1] : "";
  const int calls = argc > 2 ? std::atoi(argv[2]) : 7;
  if (argc > 3 || (argc > 1 && path != "avx2" && path != "avx512") || calls < 1) {
    fmt::print(stderr, "usage: {} [avx2|avx512] [calls >= 1]\n", name);
    return std::nullopt;
  }
  const VectorIsa best = expt::cpu_vector_isa();
  const VectorIsa isa = path == "avx2" ? VectorIsa::avx2 : path == "avx512" ? VectorIsa::avx512 : best;
  if (isa == VectorIsa::scalar || static_cast<int>(isa) > static_cast<int>(best)) {
    fmt::print(stderr, "{}: this CPU has no {} path (its best is {})\n", name, path.empty() ? "vector" : path,
               expt::name_of(expt::vector_isa_names, best));
    return std::nullopt;
  }
  return KernelBenchArgs{isa, calls};
}
