// The oneDNN (CPU) backend: fp32 or bf16 training with oneDNN 2.6 primitives in blocked layouts.
#include <fmt/format.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "backends/onednn/cpu_isa.hpp"
#include "backends/onednn/factory.hpp"
#include "backends/onednn/network.hpp"
#include "core/error.hpp"

namespace expt {

namespace {

int onednn_threads(int64_t requested) { return requested > 0 ? static_cast<int>(requested) : omp_get_num_procs(); }

class OnednnBackend final : public Backend {
 public:
  std::string name() const override { return "onednn"; }

  std::string device_description(int64_t requested) const override {
    const dnnl_version_t* v = dnnl_version();
    const int threads = onednn_threads(requested);
    return fmt::format("CPU {} (oneDNN {}.{}.{}), {} thread{}", onednn::effective_isa_name(), v->major,
                       v->minor, v->patch, threads, threads == 1 ? "" : "s");
  }

  int64_t thread_count(int64_t requested) const override { return onednn_threads(requested); }

  // oneDNN's JIT kernels, and expt's own (dense backward-data, dropout masks, optimizer update).
  std::vector<CodePath> code_paths() const override {
    return {{"onednn_isa", onednn::effective_isa_name()},
            {"expt_kernels", std::string(name_of(vector_isa_names, onednn::kernel_isa()))}};
  }

  std::string unsupported_reason(const LayerSpec&, const NetworkOptions& options) const override {
    const Precision p = options.precision;
    if (p == Precision::fp32 || p == Precision::fp32_strict) return "";
    if (p == Precision::bf16) {
      // Emulated with fp32 arithmetic below avx512_core_bf16, but still AVX-512 code.
      if (onednn::has_avx512_core()) return "";
      return fmt::format("bf16 needs AVX-512 (avx512_core); this CPU offers {}",
                         onednn::effective_isa_name());
    }
    if (p == Precision::fp16) return "oneDNN 2.6 has no fp16 training kernels for CPUs; use bf16 or fp32";
    return fmt::format("precision '{}' is a GPU mode; the onednn backend supports fp32 and bf16",
                       name_of(precision_names, p));
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
