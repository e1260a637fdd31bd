#pragma once
// The instruction set oneDNN runs with: what the CPU offers, capped by ONEDNN_MAX_CPU_ISA. The cap
// makes an AVX-512 machine behave like an AVX2-only one, which is how tests exercise both.
#include <string>

#include "core/vector_isa.hpp"

namespace expt::onednn {

std::string effective_isa_name();  // "avx2", "avx512_core_bf16", ...

// oneDNN 2.6 has bf16 training kernels and Winograd convolutions only from AVX-512 (avx512_core)
// on: bf16 and Winograd need this.
bool has_avx512_core();

// The path expt's own kernels take (dense backward-data, dropout masks, optimizer update): the
// CPU's level (cpu_vector_isa) capped by the ISA oneDNN runs with, so ONEDNN_MAX_CPU_ISA moves
// oneDNN's code and expt's together. Decided once per process.
VectorIsa kernel_isa();

}  // namespace expt::onednn
