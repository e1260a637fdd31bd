#include <fmt/format.h>

#include "cli/commands.hpp"
#include "config/schema.hpp"

namespace expt::cli {

void add_schema_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("schema", "Print every config key with its type, default, unit and meaning");
  cmd->callback([] {
    for (const auto& table : config::schema_tables()) fmt::print("{}\n", config::schema_markdown(table));
  });
}

}  // namespace expt::cli
