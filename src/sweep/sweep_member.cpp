#include "sweep/sweep_member.hpp"

#include <cstdio>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "config/load_config.hpp"
#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "sweep/asha_worker.hpp"
#include "sweep/member_claim.hpp"
#include "sweep/member_execution.hpp"
#include "sweep/sweep_hparams.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;

// "<array job>_<task>" from Slurm's environment; empty outside an array task.
std::string slurm_task() {
  const char* job = std::getenv("SLURM_ARRAY_JOB_ID");
  const char* task = std::getenv("SLURM_ARRAY_TASK_ID");
  return job && task ? fmt::format("{}_{}", job, task) : "";
}

int threads_for(const SweepMemberOptions& options) {
  if (options.threads > 0) return options.threads;
  const char* cpus = std::getenv("SLURM_CPUS_PER_TASK");
  return cpus ? std::max(0, std::atoi(cpus)) : 0;
}

void say(FILE* stream, const std::string& line) {
  fmt::print(stream, "{}\n", line);
  std::fflush(stream);
}

}  // namespace

fs::path member_config_path(const fs::path& sweep_dir, const std::string& id) {
  return sweep_dir / "slurm" / "configs" / (id + ".yaml");
}

int run_sweep_members(const fs::path& sweep_dir, const std::vector<std::string>& ids, const SweepMemberOptions& options) {
  if (ids.empty()) throw Error(ExitCode::usage, "no member ids: expt sweep-member SWEEP_DIR ID...");
  install_interrupt_handler();
  const std::string task = slurm_task();
  const int threads = threads_for(options);
  const Manifest manifest = read_manifest_locked(sweep_dir);
  // Under ASHA every array task is a worker that takes whatever is ready; the ids only sized the array.
  if (manifest.scheduler.enabled()) return run_asha_worker(sweep_dir, task, threads, options.quiet);
  for (const auto& id : ids)
    if (!find_member(manifest, id)) throw IoError(fmt::format("{} is not a member of sweep {} ({})", id, manifest.name, sweep_dir.string()));

  for (const auto& id : ids) {
    if (interrupt_requested()) break;
    const std::string tag = fmt::format("{}{}", task.empty() ? "" : "[" + task + "] ", id);
    const auto claim = claim_member(sweep_dir, manifest, id);
    if (!claim) {
      say(stdout, fmt::format("{} skipped: another process runs it", tag));
      continue;
    }
    std::optional<ExperimentConfig> config;
    MemberRun run;
    try {
      config = load_config(member_config_path(sweep_dir, id));
    } catch (const Error& e) {
      run.error = e.what();
      run.code = e.code();
    }
    const fs::path dir = sweep_dir / id;
    const bool resume = config && has_checkpoint(dir);
    bool finished = false;
    const Manifest started = update_member(sweep_dir, id, [&](MemberRecord& r) {
      if (config) adopt_finished_run(r, config->training.epochs, dir);
      finished = is_finished(r.state);
      if (!finished) start_attempt(r, task, resume ? epochs_recorded(dir) : 0);
    });
    const std::string params = describe(find_member(started, id)->parameters);
    if (finished) {
      say(stdout, fmt::format("{} skipped: already {}", tag, to_string(find_member(started, id)->state)));
      continue;
    }
    if (!options.quiet)
      say(stdout, fmt::format("{} start {}{}", tag, params,
                              resume ? fmt::format(" (resuming after epoch {})", epochs_recorded(dir)) : ""));
    if (config) run = run_member(*config, dir, threads, varied_config(manifest.common_config, config->resolved_yaml));
    const Manifest ended = update_member(sweep_dir, id, [&](MemberRecord& r) {
      record_run(r, run);
      end_attempt(r);
    });
    const MemberRecord& r = *find_member(ended, id);
    if (has_result(r.state)) {
      if (!options.quiet)
        say(stdout, fmt::format("{} {} {} | test {:.4f} (best {:.4f}) train {:.4f} | {} epochs {:.1f}s", tag,
                                to_string(r.state), params, r.final_test_accuracy, r.best_test_accuracy,
                                r.final_train_accuracy, r.epochs_done, r.seconds));
    } else {
      say(stderr, fmt::format("{} {} {} | {}", tag, to_string(r.state), params, r.message));
    }
  }
  if (interrupt_requested()) {
    say(stderr, "stopped (SIGTERM or Ctrl-C): the member is marked interrupted; submitting the sweep again resumes it");
    return static_cast<int>(ExitCode::interrupted);
  }
  return 0;
}

}  // namespace expt
