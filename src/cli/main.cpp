// expt: run convolutional-network experiments described in YAML.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"expt: convolutional-network experiments from YAML files"};
  app.require_subcommand(1);
  app.set_version_flag("--version", EXPT_VERSION);
  expt::cli::add_run_command(app);
  expt::cli::add_validate_command(app);
  expt::cli::add_backends_command(app);
  expt::cli::add_schema_command(app);
  expt::cli::add_data_command(app);
  expt::cli::add_sweep_command(app);
  expt::cli::add_compare_command(app);
  expt::cli::add_visualize_command(app);
  expt::cli::add_bench_command(app);
  expt::cli::add_predict_command(app);
  expt::cli::add_export_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(expt::ExitCode::usage);
  } catch (const expt::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    fmt::print(stderr, "internal error: {}\n", e.what());
    return static_cast<int>(expt::ExitCode::failure);
  }
  return expt::cli::g_exit_code;
}
