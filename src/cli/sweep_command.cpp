#include "cli/commands.hpp"
#include "sweep/sweep_runner.hpp"

namespace expt::cli {

void add_sweep_command(CLI::App& app) {
  struct Args {
    std::string file;
    SweepOptions options;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("sweep", "Run every member of a sweep file into results/<sweep>/, resumably");
  cmd->add_option("file", args->file, "sweep YAML file (docs/sweep.md)")->required();
  cmd->add_option("overrides", args->options.overrides, "key.path=value settings applied to every member");
  cmd->add_option("-j,--jobs", args->options.jobs, "members run side by side; each gets max(1, cores / jobs) threads");
  cmd->add_flag("--fail-fast", args->options.fail_fast, "start no more members after one fails or diverges");
  cmd->add_flag("--dry-run", args->options.dry_run, "list the members and their estimated cost; run nothing");
  cmd->add_option("--gflops", args->options.gflops, "throughput --dry-run assumes (default: per backend)");
  cmd->add_flag("-q,--quiet", args->options.quiet, "print only the summary and errors");
  cmd->callback([args] { g_exit_code = run_sweep(args->file, args->options); });
}

}  // namespace expt::cli
