#pragma once
// The levels of x86 vector code expt's own kernels (dense backward-data, dropout masks, the
// optimizer update) are compiled for. Each kernel has one path per level; which one runs is
// decided once at run time, so one binary is fast on AVX2-only and on AVX-512 CPUs alike.
#include "core/enum_names.hpp"

namespace expt {

enum class VectorIsa {
  scalar,  // the x86-64 baseline: plain loops (the compiler may still use SSE2)
  avx2,    // AVX2 with FMA: Haswell and later, AMD Zen 1-3
  avx512,  // AVX-512 F, BW, VL and DQ with BMI2: Skylake-SP and later Xeons, AMD Zen 4 and later
};

inline constexpr EnumName<VectorIsa> vector_isa_names[] = {
    {"scalar", VectorIsa::scalar},
    {"avx2", VectorIsa::avx2},
    {"avx512", VectorIsa::avx512},
};

// The highest level this CPU has the instructions for.
VectorIsa cpu_vector_isa();

// A loop to be compiled once per level: always inlined, so each run_vectorised instantiation
// below holds its own copy, vectorised by the compiler for that level's instructions.
#define EXPT_VECTOR_KERNEL inline __attribute__((always_inline))

template <auto kernel, class... Args>
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,bmi2"))) void run_avx512(Args... args) {
  kernel(args...);
}

template <auto kernel, class... Args>
__attribute__((target("avx2,fma"))) void run_avx2(Args... args) {
  kernel(args...);
}

// kernel(args...) in the copy compiled for `isa`, which must be at most cpu_vector_isa().
template <auto kernel, class... Args>
void run_vectorised(VectorIsa isa, Args... args) {
  switch (isa) {
    case VectorIsa::avx512:
      return run_avx512<kernel>(args...);
    case VectorIsa::avx2:
      return run_avx2<kernel>(args...);
    case VectorIsa::scalar:
      return kernel(args...);
  }
}

}  // namespace expt
