#pragma once
// The oneDNN (CPU) backend; reached only through the backend registry and the tests.
#include <memory>

#include "backends/backend.hpp"

namespace expt {

std::unique_ptr<Backend> make_onednn_backend();

}  // namespace expt
