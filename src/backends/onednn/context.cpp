#include <fmt/format.h>

#include "backends/onednn/layer.hpp"
#include "core/error.hpp"

namespace expt::onednn {

Allocate BuildContext::allocator(const std::string& layer, const std::string& what) {
  return [&pool = buffers, slot = layer + "." + what](size_t bytes) { return pool.acquire(slot, bytes); };
}

dnnl::primitive_attr BuildContext::attr() const {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void BuildContext::note(const dnnl::primitive_desc_base& pd, const std::string& layer, const std::string& primitive,
                        bool compute_bound) {
  const std::string impl = pd.impl_info_str();
  primitives.push_back(PrimitiveInfo{layer, primitive, impl, compute_bound});
  scratchpad_bytes = std::max(scratchpad_bytes, pd.scratchpad_desc().get_size());
  if (compute_bound && impl.find("ref") != std::string::npos)
    throw BackendError(
        fmt::format("onednn: layer '{}' {} (batch {}) got oneDNN's reference implementation '{}', about 1000x slower "
                    "than the JIT kernels; refusing to build",
                    layer, primitive, n, impl));
}

}  // namespace expt::onednn
