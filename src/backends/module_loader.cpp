#include "backends/module_loader.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

namespace expt {

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> candidate_paths(const std::string& file_name) {
  std::vector<fs::path> paths;
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);
  if (!error) paths.push_back(executable.parent_path() / file_name);
  const fs::path built = fs::path(EXPT_BACKEND_MODULE_DIR) / file_name;
  if (paths.empty() || !fs::equivalent(paths.front().parent_path(), built.parent_path(), error))
    paths.push_back(built);
  return paths;
}

LoadedModule load(const std::string& file_name) {
  LoadedModule loaded;
  std::string tried;
  for (const fs::path& path : candidate_paths(file_name)) {
    tried += (tried.empty() ? "" : ", ") + path.string();
    std::error_code error;
    if (!fs::exists(path, error)) continue;
    // RTLD_LOCAL: the module's own copies of expt's libraries stay private to it.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      loaded.error = fmt::format("cannot load {}: {}", path.string(), dlerror());
      return loaded;
    }
    using Entry = const BackendModule* (*)();
    const auto entry = reinterpret_cast<Entry>(dlsym(handle, "expt_backend_module"));
    if (entry == nullptr) {
      loaded.error = fmt::format("{} is not an expt backend module (no expt_backend_module symbol)", path.string());
      return loaded;
    }
    const BackendModule* module = entry();
    if (module->abi != kBackendModuleAbi) {
      loaded.error = fmt::format("{} comes from another build of expt (module ABI {}, this one {}); rebuild it",
                                 path.string(), module->abi, kBackendModuleAbi);
      return loaded;
    }
    loaded.module = module;
    return loaded;
  }
  loaded.error = fmt::format("the backend module {} is missing (looked for {}); it is built next to `expt`, "
                             "keep the two together",
                             file_name, tried);
  return loaded;
}

}  // namespace

const LoadedModule& load_backend_module(const std::string& file_name) {
  static std::mutex mutex;
  static std::map<std::string, LoadedModule> loaded;
  const std::lock_guard lock(mutex);
  auto it = loaded.find(file_name);
  if (it == loaded.end()) it = loaded.emplace(file_name, load(file_name)).first;
  return it->second;
}

}  // namespace expt
