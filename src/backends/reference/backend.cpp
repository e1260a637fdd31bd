#include <fmt/format.h>
#include <omp.h>

#include "backends/reference/factory.hpp"
#include "backends/reference/network.hpp"
#include "core/error.hpp"

namespace expt {

namespace {

class ReferenceBackend final : public Backend {
 public:
  std::string name() const override { return "reference"; }

  std::string device_description(int64_t threads) const override {
    const int64_t used = thread_count(threads);
    return fmt::format("CPU (reference loops), {} thread{}", used, used == 1 ? "" : "s");
  }

  // network.cpp's ThreadCountScope: the requested count, else OpenMP's default.
  int64_t thread_count(int64_t threads) const override { return threads > 0 ? threads : omp_get_max_threads(); }

  std::string unsupported_reason(const LayerSpec&, const NetworkOptions& options) const override {
    // Plain fp32 loops with no faster algorithm: fp32 and fp32_strict are the same thing here.
    if (options.precision != Precision::fp32 && options.precision != Precision::fp32_strict)
      return fmt::format("the reference backend computes in fp32 only, not {}", name_of(precision_names, options.precision));
    return {};
  }

  std::unique_ptr<Network> build(const NetworkPlan& plan, const NetworkOptions& options) override {
    for (const auto& layer : plan.layers)
      if (auto reason = unsupported_reason(layer.spec, options); !reason.empty())
        throw BackendError(fmt::format("reference backend cannot run layer '{}': {}", layer.spec.name, reason));
    return std::make_unique<reference::ReferenceNetwork>(plan, options);
  }
};

}  // namespace

std::unique_ptr<Backend> make_reference_backend() { return std::make_unique<ReferenceBackend>(); }

}  // namespace expt
