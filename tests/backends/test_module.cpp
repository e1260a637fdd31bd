// The cudnn module as built: it loads with every symbol resolved (also on machines without a
// GPU, where CUDA's libraries are installed but no driver is), and its errors reach the caller
// as expt's own exception types.
#include <dlfcn.h>
#include <doctest/doctest.h>

#include <string>

#include "backends/backend_module.hpp"
#include "core/error.hpp"

namespace {

const expt::BackendModule* load_module() {
  void* handle = dlopen(EXPT_CUDNN_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
  INFO("dlopen: " << (handle == nullptr ? dlerror() : "ok"));
  REQUIRE(handle != nullptr);
  using Entry = const expt::BackendModule* (*)();
  const auto entry = reinterpret_cast<Entry>(dlsym(handle, "expt_backend_module"));
  REQUIRE(reinterpret_cast<void*>(entry) != nullptr);
  return entry();
}

}  // namespace

TEST_CASE("the cudnn module loads and speaks this build's ABI") {
  const expt::BackendModule* module = load_module();
  CHECK(module->abi == expt::kBackendModuleAbi);
  const std::string reason = module->unavailable_reason();
  if (reason.empty()) {
    CHECK(module->make()->name() == "cudnn");
    CHECK_FALSE(module->devices().empty());
    return;
  }
  MESSAGE("no GPU here: " << reason);
  CHECK(module->devices().empty());
  // Thrown inside the module, caught here by type: the exception crosses the boundary intact.
  CHECK_THROWS_WITH_AS(module->make(), doctest::Contains(reason.c_str()), expt::BackendError);
}
