#include "backends/registry.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "backends/reference/factory.hpp"
#include "core/error.hpp"
#ifdef EXPT_HAVE_ONEDNN
#include "backends/onednn/factory.hpp"
#endif
#ifdef EXPT_HAVE_CUDNN
#include "backends/cuda_driver_probe.hpp"
#include "backends/module_loader.hpp"
#endif

namespace expt {
namespace {

struct Entry {
  const char* name;
  bool built;
  // Empty when usable here, else why not.
  std::string (*unavailable_reason)();
  std::unique_ptr<Backend> (*make)();
  std::vector<std::string> (*devices)() = [] { return std::vector<std::string>(); };
};

#ifdef EXPT_HAVE_CUDNN
// The cudnn backend is a module (backend_module.hpp), loaded only once the driver reports a GPU:
// a machine without one never maps cuDNN or cuBLAS.
const BackendModule* cudnn_module(std::string& why) {
  why = cuda_driver_absence_reason();
  if (!why.empty()) return nullptr;
  const LoadedModule& loaded = load_backend_module(EXPT_CUDNN_MODULE_FILE);
  why = loaded.error;
  return loaded.module;
}
#endif

std::vector<Entry> entries() {
  std::vector<Entry> list;
#ifdef EXPT_HAVE_CUDNN
  list.push_back({"cudnn", true,
                  [] {
                    std::string why;
                    const BackendModule* module = cudnn_module(why);
                    return module != nullptr ? module->unavailable_reason() : why;
                  },
                  [] {
                    std::string why;
                    const BackendModule* module = cudnn_module(why);
                    if (module == nullptr) throw BackendError("cudnn backend cannot run here: " + why);
                    return module->make();
                  },
                  [] {
                    std::string why;
                    const BackendModule* module = cudnn_module(why);
                    return module != nullptr ? module->devices() : std::vector<std::string>();
                  }});
#else
  list.push_back({"cudnn", false, [] { return std::string("not built: CUDA or cuDNN was not found at build time"); },
                  nullptr});
#endif
#ifdef EXPT_HAVE_ONEDNN
  list.push_back({"onednn", true, [] { return std::string(); }, [] { return make_onednn_backend(); }});
#else
  list.push_back({"onednn", false, [] { return std::string("not built: configured with EXPT_WITH_ONEDNN=OFF"); },
                  nullptr});
#endif
  list.push_back({"reference", true, [] { return std::string(); }, [] { return make_reference_backend(); }});
  return list;
}

}  // namespace

std::vector<BackendAvailability> list_backends() {
  std::vector<BackendAvailability> out;
  for (const Entry& e : entries()) {
    BackendAvailability a{e.name, e.built, false, e.unavailable_reason(), e.devices()};
    if (a.detail.empty()) {
      a.usable = true;
      a.detail = e.make()->device_description();
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::unique_ptr<Backend> make_backend(const std::string& name) {
  // `auto` takes the first usable entry: the list is ordered GPU first, then fast CPU, then loops.
  for (const Entry& e : entries()) {
    if (name != "auto" && name != e.name) continue;
    const std::string why = e.unavailable_reason();
    if (why.empty()) return e.make();
    if (name != "auto") throw BackendError(fmt::format("backend '{}' cannot run here: {}", name, why));
  }
  throw BackendError(fmt::format("unknown backend '{}' (expected auto, cudnn, onednn or reference)", name));
}

void check_backend_runs(const Backend& backend, const NetworkPlan& plan, const NetworkOptions& options) {
  std::vector<std::string> reasons;
  for (const PlannedLayer& layer : plan.layers) reasons.push_back(backend.unsupported_reason(layer.spec, options));
  const auto first = std::find_if(reasons.begin(), reasons.end(), [](const std::string& r) { return !r.empty(); });
  if (first == reasons.end()) return;
  if (std::all_of(reasons.begin(), reasons.end(), [&](const std::string& r) { return r == *first; }))
    throw BackendError(fmt::format("backend '{}' cannot run this config here (precision '{}'): {}", backend.name(),
                                   name_of(precision_names, options.precision), *first));
  const size_t i = static_cast<size_t>(first - reasons.begin());
  throw BackendError(fmt::format("backend '{}' cannot run model.layers[{}] ('{}'): {}", backend.name(), i,
                                 plan.layers[i].spec.name, *first));
}

}  // namespace expt
