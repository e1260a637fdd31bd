#include "backends/onednn/cpu_isa.hpp"

#include <algorithm>
#include <oneapi/dnnl/dnnl.hpp>

namespace expt::onednn {
namespace {

const char* isa_name(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41:
      return "sse41";
    case dnnl::cpu_isa::avx:
      return "avx";
    case dnnl::cpu_isa::avx2:
      return "avx2";
    case dnnl::cpu_isa::avx2_vnni:
      return "avx2_vnni";
    case dnnl::cpu_isa::avx512_mic:
      return "avx512_mic";
    case dnnl::cpu_isa::avx512_mic_4ops:
      return "avx512_mic_4ops";
    case dnnl::cpu_isa::avx512_core:
      return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "generic";
  }
}

// ISA values are bit sets: every level above another contains its bits (AVX-512 core levels
// contain avx512_core's, avx2_vnni and all of those contain avx2's).
bool effective_isa_includes(dnnl_cpu_isa_t level) {
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  return (isa & level) == level;
}

}  // namespace

std::string effective_isa_name() { return isa_name(dnnl::get_effective_cpu_isa()); }

bool has_avx512_core() { return effective_isa_includes(dnnl_cpu_isa_avx512_core); }

VectorIsa kernel_isa() {
  static const VectorIsa isa = [] {
    const VectorIsa onednn = has_avx512_core()                       ? VectorIsa::avx512
                             : effective_isa_includes(dnnl_cpu_isa_avx2) ? VectorIsa::avx2
                                                                         : VectorIsa::scalar;
    return std::min(onednn, cpu_vector_isa());
  }();
  return isa;
}

}  // namespace expt::onednn
