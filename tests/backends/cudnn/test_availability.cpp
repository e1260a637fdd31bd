// These run everywhere, GPU or not: the factory functions must answer without crashing on a
// machine with no driver, which is what CI and most developer machines are.
#include <doctest/doctest.h>

#include <string>

#include "backends/cudnn/factory.hpp"
#include "core/error.hpp"

namespace expt {

TEST_CASE("cudnn availability is reported, never crashes") {
  const std::string reason = cudnn_unavailable_reason();
  const auto devices = list_cuda_devices();
  if (reason.empty()) {
    MESSAGE("GPU found: " << devices.front());
    CHECK(!devices.empty());
    auto backend = make_cudnn_backend();
    CHECK(backend->name() == "cudnn");
    CHECK(backend->device_description().find(devices.front()) != std::string::npos);
  } else {
    MESSAGE("no usable GPU (the parity tests below skip): " << reason);
    // Without a driver there are no devices; with a too-old GPU there are, but the reason says so.
    CHECK_THROWS_AS(make_cudnn_backend(), BackendError);
    try {
      make_cudnn_backend();
    } catch (const BackendError& e) {
      CHECK(std::string(e.what()).find(reason) != std::string::npos);
    }
  }
}

}  // namespace expt
