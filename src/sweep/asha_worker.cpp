#include "sweep/asha_worker.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "config/load_config.hpp"
#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "sweep/asha_turn.hpp"
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

}  // namespace

int run_asha_worker(const fs::path& sweep_dir, const std::string& slurm_task, int threads, bool quiet) {
  install_interrupt_handler();
  const std::string tag = slurm_task.empty() ? "" : "[" + slurm_task + "] ";
  std::set<std::string> failed_here;  // not taken up again by this process
  while (!interrupt_requested()) {
    bool others_run = true;
    AshaTurn turn = take_asha_turn(
        sweep_dir, slurm_task, [&](const MemberRecord& r) { return failed_here.contains(r.id); },
        [&](const Manifest& m) {
          others_run = std::any_of(m.members.begin(), m.members.end(),
                                   [&](const MemberRecord& r) { return member_is_claimed(sweep_dir, m, r.id); });
          return !others_run;
        });
    if (!turn.member) {
      if (!others_run && !turn.raced) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // wait for results that may promote
      continue;
    }
    const AshaSpec& asha = turn.manifest.scheduler;
    const MemberRecord& job = turn.manifest.members[*turn.member];
    const int64_t rung_epochs = asha_rungs(asha)[static_cast<size_t>(job.rung)];
    const int64_t from_epoch = job.attempts.back().from_epoch;
    const fs::path dir = sweep_dir / job.id;
    if (!quiet)
      say(stdout, fmt::format("{}{} {} {} | to epoch {}{}", tag, job.id.substr(0, 8), job.rung == 0 ? "start" : "promote",
                              describe(job.parameters), rung_epochs,
                              from_epoch > 0 ? fmt::format(" from epoch {}", from_epoch) : ""));
    MemberRun run;
    try {
      // A member promoted or resumed starts from its checkpoint, not from model.init_from's file.
      const fs::path file = member_config_path(sweep_dir, job.id);
      const ExperimentConfig config = from_epoch > 0 ? load_run_config(file) : load_config(file);
      run = run_member(config, dir, threads, varied_config(turn.manifest.common_config, config.resolved_yaml), rung_epochs);
    } catch (const Error& e) {
      run.error = e.what();
      run.code = e.code();
    }
    const Manifest ended = end_asha_turn(sweep_dir, job.id, run, asha);
    const MemberRecord& r = *find_member(ended, job.id);
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
