// The oneDNN (CPU) backend: fp32 or bf16 training with oneDNN 2.6 primitives in blocked layouts.
#include <fmt/format.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "backends/onednn/factory.hpp"
#include "backends/onednn/network.hpp"
#include "core/error.hpp"

namespace expt {

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

int onednn_threads(int64_t requested) { return requested > 0 ? static_cast<int>(requested) : omp_get_num_procs(); }

class OnednnBackend final : public Backend {
 public:
  std::string name() const override { return "onednn"; }

  std::string device_description(int64_t requested) const override {
    const dnnl_version_t* v = dnnl_version();
    const int threads = onednn_threads(requested);
    return fmt::format("CPU {} (oneDNN {}.{}.{}), {} thread{}", isa_name(dnnl::get_effective_cpu_isa()), v->major,
                       v->minor, v->patch, threads, threads == 1 ? "" : "s");
  }

  int64_t thread_count(int64_t requested) const override { return onednn_threads(requested); }

  std::string unsupported_reason(const LayerSpec&, const NetworkOptions& options) const override {
    if (options.precision == "fp32" || options.precision == "fp32_strict") return "";
    if (options.precision == "bf16") {
      // oneDNN 2.6 has bf16 training kernels from AVX-512 (emulated before avx512_core_bf16).
      // ISA values are bit sets: every AVX-512 core level contains avx512_core's bits.
      const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
      if ((isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core) return "";
      return fmt::format("bf16 needs AVX-512 (avx512_core); this CPU offers {}",
                         isa_name(dnnl::get_effective_cpu_isa()));
    }
    if (options.precision == "fp16") return "oneDNN 2.6 has no fp16 training kernels for CPUs; use bf16 or fp32";
    return fmt::format("precision '{}' is a GPU mode; the onednn backend supports fp32 and bf16", options.precision);
  }

  std::unique_ptr<Network> build(const NetworkPlan& plan, const NetworkOptions& options) override {
    for (const auto& layer : plan.layers) {
      const std::string reason = unsupported_reason(layer.spec, options);
      if (!reason.empty()) throw BackendError(fmt::format("onednn backend, layer '{}': {}", layer.spec.name, reason));
    }
    try {
      return std::make_unique<onednn::OnednnNetwork>(plan, options, onednn_threads(options.threads));
    } catch (const std::bad_alloc&) {
      throw BackendError(
          fmt::format("onednn backend: out of host memory building the network for batch {}", options.max_batch));
    } catch (const dnnl::error& e) {
      throw BackendError(fmt::format("onednn backend: {}", e.what()));
    }
  }
};

}  // namespace

std::unique_ptr<Backend> make_onednn_backend() { return std::make_unique<OnednnBackend>(); }

}  // namespace expt
