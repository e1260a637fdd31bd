#pragma once
// Loads a backend module (backend_module.hpp) once per process. A module is never unloaded:
// the backends and networks it made, and the GPU libraries it pulled in, live until exit.
#include <string>

#include "backends/backend_module.hpp"

namespace expt {

struct LoadedModule {
  const BackendModule* module = nullptr;  // null when it could not be loaded
  std::string error;                      // why not, naming the paths tried
};

// Looks for `file_name` next to the running executable, then in the build folder that made it
// (where test executables in subfolders find it).
const LoadedModule& load_backend_module(const std::string& file_name);

}  // namespace expt
