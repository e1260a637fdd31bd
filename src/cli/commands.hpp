#pragma once
// One function per `expt` subcommand; each registers its options on the CLI11 app and
// returns the exit code through the callback's result.
#include <CLI/CLI.hpp>

namespace expt::cli {

// Set by a subcommand's callback; main returns it.
inline int g_exit_code = 0;

void add_run_command(CLI::App& app);
void add_validate_command(CLI::App& app);
void add_backends_command(CLI::App& app);
void add_schema_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_bench_command(CLI::App& app);

}  // namespace expt::cli
