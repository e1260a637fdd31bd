#include <fmt/format.h>

#include "backends/registry.hpp"
#include "cli/commands.hpp"

namespace expt::cli {

void add_backends_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("backends", "List the backends this build has and whether each can run here");
  cmd->callback([] {
    for (const BackendAvailability& b : list_backends()) {
      const char* state = !b.built ? "not built" : b.usable ? "usable" : "unavailable";
      fmt::print("{:<10} {:<12} {}\n", b.name, state, b.detail);
      for (const std::string& device : b.devices) fmt::print("{:<23} {}\n", "", device);
    }
  });
}

}  // namespace expt::cli
