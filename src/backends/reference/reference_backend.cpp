#include <fmt/format.h>
#include <omp.h>

#include "backends/reference/factory.hpp"
#include "backends/reference/reference_network.hpp"
#include "core/error.hpp"

namespace expt {

namespace {

class ReferenceBackend final : public Backend {
 public:
  std::string name() const override { return "reference"; }

  std::string device_description() const override {
    return fmt::format("CPU (reference loops), {} threads", omp_get_max_threads());
  }

  std::string unsupported_reason(const LayerSpec&, const NetworkOptions& options) const override {
    if (options.precision != Precision::fp32)
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
