#include "backends/onednn/introspection.hpp"

#include "backends/onednn/network.hpp"
#include "core/error.hpp"

namespace expt::onednn {

const std::vector<PrimitiveInfo>& primitive_implementations(const Network& network) {
  const auto* onednn = dynamic_cast<const OnednnNetwork*>(&network);
  if (onednn == nullptr) throw BackendError("primitive_implementations: not a network of the onednn backend");
  return onednn->primitives();
}

}  // namespace expt::onednn
