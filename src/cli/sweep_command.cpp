#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "sweep/sweep_member.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/sweep_status.hpp"

namespace expt::cli {
namespace {

// Options that only mean something with --launcher slurm.
void add_slurm_options(CLI::App* cmd, SlurmOptions& o, std::vector<CLI::Option*>& slurm_only) {
  const std::string group = "Slurm (with --launcher slurm; docs/slurm.md)";
  slurm_only = {
      cmd->add_option("--partition", o.partition, "sbatch --partition for every array task")->group(group),
      cmd->add_option("--time", o.time, "sbatch --time: each array task's time limit, e.g. 2:00:00")->group(group),
      cmd->add_option("--gpus-per-job", o.gpus_per_job, "GPUs per array task (sbatch --gres=gpu:N)")->group(group),
      cmd->add_option("--cpus-per-job", o.cpus_per_job, "CPUs per array task (sbatch --cpus-per-task); members run with that many threads")->group(group),
      cmd->add_option("--array-parallelism", o.array_parallelism, "run at most K array tasks at once (--array=...%K)")->group(group),
      cmd->add_option("--pack", o.pack, "members per array task, run one after another (for short members; default 1)")->group(group),
      cmd->add_option("--sbatch", o.sbatch_options, "another sbatch option as NAME=VALUE or NAME, e.g. --sbatch mem=8G (repeatable; wins over the sweep file's launcher.slurm)")->expected(1)->take_all()->group(group),
      cmd->add_flag("--wait", o.wait, "follow the job array, printing progress, until it ends")->group(group),
  };
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  struct Args {
    std::string file;
    std::string launcher = "local";
    SweepOptions options;
    std::vector<CLI::Option*> slurm_only;
    std::string status_path;
    std::vector<std::string> status_overrides;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("sweep", "Run every member of a sweep file into results/<sweep>/, resumably, here or on Slurm");
  cmd->add_option("file", args->file, "sweep YAML file (docs/sweep.md)");
  cmd->add_option("overrides", args->options.overrides, "key.path=value settings applied to every member");
  cmd->add_option("-j,--jobs", args->options.jobs, "members run side by side; each gets max(1, cores / jobs) threads");
  cmd->add_flag("--fail-fast", args->options.fail_fast, "start no more members after one fails or diverges");
  cmd->add_flag("--dry-run", args->options.dry_run, "list the members and their estimated cost; run nothing");
  cmd->add_option("--gflops", args->options.gflops, "throughput --dry-run assumes (default: per backend)");
  cmd->add_flag("-q,--quiet", args->options.quiet, "print only the summary and errors (with slurm: only the job id)");
  cmd->add_option("--launcher", args->launcher, "local: run here (default); slurm: submit one job array (docs/slurm.md)")
      ->check(CLI::IsMember({"local", "slurm"}));
  add_slurm_options(cmd, args->options.slurm, args->slurm_only);

  auto* status = cmd->add_subcommand("status", "Show every member's state, attempts and Slurm array task");
  status->add_option("path", args->status_path, "the sweep file, its results folder or its sweep.json")->required();
  status->add_option("overrides", args->status_overrides, "the key.path=value settings the sweep was run with");
  status->callback([args] { g_exit_code = show_sweep_status(args->status_path, args->status_overrides); });
  cmd->require_subcommand(0, 1);

  cmd->callback([args, status] {
    if (status->parsed()) return;
    if (args->file.empty()) throw CLI::RequiredError("file");
    args->options.launcher = args->launcher == "slurm" ? Launcher::slurm : Launcher::local;
    if (args->options.launcher != Launcher::slurm)
      for (const CLI::Option* o : args->slurm_only)
        if (o->count() > 0) throw Error(ExitCode::usage, fmt::format("{} needs --launcher slurm", o->get_name()));
    g_exit_code = run_sweep(args->file, args->options);
  });

  struct MemberArgs {
    std::string dir;
    std::vector<std::string> ids;
    SweepMemberOptions options;
  };
  auto member_args = std::make_shared<MemberArgs>();
  auto* member = app.add_subcommand("sweep-member", "Run members of a sweep folder that another expt prepared (what each Slurm array task runs)");
  member->add_option("sweep_dir", member_args->dir, "the sweep's results folder, shared between the nodes")->required();
  member->add_option("ids", member_args->ids, "member ids, run one after another")->required();
  member->add_option("--threads", member_args->options.threads, "threads per member (default: $SLURM_CPUS_PER_TASK, else the config's)");
  member->add_flag("-q,--quiet", member_args->options.quiet, "print only skipped, failed and diverged members");
  member->callback([member_args] { g_exit_code = run_sweep_members(member_args->dir, member_args->ids, member_args->options); });
}

}  // namespace expt::cli
