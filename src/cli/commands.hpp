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
void add_predict_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_visualize_command(CLI::App& app);

// `--ignore-memory-limit` of run, validate and bench (experiment/memory_check.hpp).
inline void add_ignore_memory_limit_flag(CLI::App& cmd, bool& ignore) {
  cmd.add_flag("--ignore-memory-limit", ignore,
               "go on when the network looks larger than the memory this process may use");
}

}  // namespace expt::cli
