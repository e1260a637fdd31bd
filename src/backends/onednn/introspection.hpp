#pragma once
// What runs in a network this backend built (oneDNN's picks, and expt's own kernels where they
// replace one): for tests and `expt bench` diagnostics.
#include <vector>

#include "backends/backend.hpp"
#include "backends/onednn/layer.hpp"

namespace expt::onednn {

// Every primitive descriptor created so far; throws BackendError when `network` is not a oneDNN one.
const std::vector<PrimitiveInfo>& primitive_implementations(const Network& network);

}  // namespace expt::onednn
