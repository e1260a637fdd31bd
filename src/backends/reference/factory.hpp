#pragma once
// The reference backend: plain C++ loops on the host, the ground truth other backends are
// tested against. Only src/backends/registry.cpp and the reference tests include this.
#include <memory>

#include "backends/backend.hpp"

namespace expt {

std::unique_ptr<Backend> make_reference_backend();

}  // namespace expt
