// The registry loads the cudnn module only where the NVIDIA driver reports a GPU.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "backends/cuda_driver_probe.hpp"
#include "backends/registry.hpp"
#include "core/error.hpp"

namespace {

std::string memory_maps() {
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("without a GPU, cudnn is listed with the driver's reason and no CUDA library is loaded") {
  const std::string reason = expt::cuda_driver_absence_reason();
  if (reason.empty()) {
    MESSAGE("skipped: this machine has a GPU, so the module is meant to load");
    return;
  }
  bool listed = false;
  for (const expt::BackendAvailability& backend : expt::list_backends()) {
    if (backend.name != "cudnn") continue;
    listed = true;
    CHECK(backend.built);
    CHECK_FALSE(backend.usable);
    CHECK(backend.detail == reason);
    CHECK(backend.devices.empty());
  }
  CHECK(listed);
  CHECK(expt::make_backend("auto")->name() != "cudnn");
  CHECK_THROWS_WITH_AS(expt::make_backend("cudnn"), doctest::Contains(reason.c_str()), expt::BackendError);

  const std::string maps = memory_maps();
  CHECK(maps.find("expt-backend-cudnn") == std::string::npos);
  CHECK(maps.find("libcublas") == std::string::npos);
  CHECK(maps.find("libcudnn") == std::string::npos);
}

TEST_CASE("with a GPU, `auto` picks cudnn through its module") {
  if (!expt::cuda_driver_absence_reason().empty()) {
    MESSAGE("skipped, no GPU: " << expt::cuda_driver_absence_reason());
    return;
  }
  CHECK(expt::make_backend("auto")->name() == "cudnn");
  CHECK(memory_maps().find("expt-backend-cudnn") != std::string::npos);
}
