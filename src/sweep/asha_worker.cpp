#include "sweep/asha_worker.hpp"

#include <chrono>
#include <cstdio>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "config/load_config.hpp"
#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "sweep/asha.hpp"
#include "sweep/member_claim.hpp"
#include "sweep/member_execution.hpp"
#include "sweep/sweep_hparams.hpp"
#include "sweep/sweep_member.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;

void say(FILE* stream, const std::string& line) {
  fmt::print(stream, "{}\n", line);
  std::fflush(stream);
}

struct Job {
  std::string id;
  int64_t rung = 0, from_epoch = 0;
  ParameterValues parameters;
  FlatConfig common;
};

}  // namespace

int run_asha_worker(const fs::path& sweep_dir, const std::string& slurm_task, int threads, bool quiet) {
  install_interrupt_handler();
  const std::string tag = slurm_task.empty() ? "" : "[" + slurm_task + "] ";
  std::set<std::string> failed_here;  // not taken up again by this process
  while (!interrupt_requested()) {
    std::optional<ByteRangeLock> claim;
    std::optional<Job> job;
    AshaSpec asha;
    bool others_run = false, raced = false;
    {
      const ManifestLock lock(sweep_dir);
      Manifest m = read_manifest(manifest_path(sweep_dir));
      asha = m.scheduler;
      if (!asha.enabled()) throw ConfigError(fmt::format("{} has no ASHA scheduler", manifest_path(sweep_dir).string()));
      auto claimed = [&](const MemberRecord& r) { return member_is_claimed(sweep_dir, m, r.id); };
      // Members whose task was killed after their report said they reached their rung.
      for (auto& r : m.members)
        if (r.state == MemberState::running && !claimed(r)) adopt_rung_result(r, asha, sweep_dir / r.id);
      const auto next = next_asha_member(m, asha, [&](const MemberRecord& r) { return failed_here.contains(r.id) || claimed(r); });
      if (next) {
        MemberRecord& r = m.members[*next];
        if (auto got = claim_member(sweep_dir, m, r.id)) claim.emplace(std::move(*got));
        raced = !claim;  // another process claimed it between the check and the claim
        if (claim) {
          const fs::path dir = sweep_dir / r.id;
          start_attempt(r, slurm_task, has_checkpoint(dir) ? epochs_recorded(dir) : 0);
          job = Job{r.id, r.rung, r.attempts.back().from_epoch, r.parameters, m.common_config};
          write_manifest(manifest_path(sweep_dir), m);
        }
      } else {
        others_run = std::any_of(m.members.begin(), m.members.end(), claimed);
        if (!others_run) {
          prune_paused(m);
          write_manifest(manifest_path(sweep_dir), m);
        }
      }
    }
    if (!job) {
      if (!others_run && !raced) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // wait for results that may promote
      continue;
    }
    const int64_t rung_epochs = asha_rungs(asha)[static_cast<size_t>(job->rung)];
    const fs::path dir = sweep_dir / job->id;
    if (!quiet)
      say(stdout, fmt::format("{}{} {} {} | to epoch {}{}", tag, job->id.substr(0, 8), job->rung == 0 ? "start" : "promote",
                              describe(job->parameters), rung_epochs,
                              job->from_epoch > 0 ? fmt::format(" from epoch {}", job->from_epoch) : ""));
    MemberRun run;
    try {
      // A member promoted or resumed starts from its checkpoint, not from model.init_from's file.
      const fs::path file = member_config_path(sweep_dir, job->id);
      const ExperimentConfig config = job->from_epoch > 0 ? load_run_config(file) : load_config(file);
      run = run_member(config, dir, threads, varied_config(job->common, config.resolved_yaml), rung_epochs);
    } catch (const Error& e) {
      run.error = e.what();
      run.code = e.code();
    }
    const Manifest ended = update_member(sweep_dir, job->id, [&](MemberRecord& r) {
      record_asha_run(r, run, asha);
      end_attempt(r);
    });
    const MemberRecord& r = *find_member(ended, job->id);
    if (r.state == MemberState::failed || r.state == MemberState::interrupted) failed_here.insert(r.id);
    if (has_result(r.state)) {
      if (!quiet)
        say(stdout, fmt::format("{}{} {} {} | test {:.4f} | {} epochs {:.1f}s", tag, r.id.substr(0, 8), to_string(r.state),
                                describe(r.parameters), r.final_test_accuracy, r.epochs_done, r.seconds));
    } else {
      say(stderr, fmt::format("{}{} {} {} | {}", tag, r.id.substr(0, 8), to_string(r.state), describe(r.parameters), r.message));
    }
  }
  say(stderr, "stopped (SIGTERM or Ctrl-C): the member is marked interrupted; submitting the sweep again resumes it");
  return static_cast<int>(ExitCode::interrupted);
}

}  // namespace expt
