#include "sweep/member_execution.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "config/load_config.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;

void record_result(MemberRecord& r, const Report& report) {
  r.final_test_accuracy = report.final_test_accuracy();
  r.best_test_accuracy = report.best_test_accuracy();
  r.final_train_accuracy = report.final_train_accuracy();
  r.epochs_done = static_cast<int64_t>(report.epochs.size());
  r.seconds = report.total_seconds;
}

}  // namespace

bool has_checkpoint(const fs::path& dir) {
  return fs::exists(dir / "checkpoints" / "last.safetensors") && fs::exists(dir / "report.json");
}

int64_t epochs_recorded(const fs::path& dir) {
  try {
    return static_cast<int64_t>(read_report(dir / "report.json").epochs.size());
  } catch (const std::exception&) {
    return 0;
  }
}

void adopt_finished_run(MemberRecord& r, int64_t epochs, const fs::path& dir) {
  if (is_finished(r.state) || !fs::exists(dir / "report.json")) return;
  try {
    const Report report = read_report(dir / "report.json");
    const bool complete = report.status == RunStatus::completed && static_cast<int64_t>(report.epochs.size()) == epochs;
    if (!complete && report.status != RunStatus::diverged && report.status != RunStatus::stopped_early) return;
    r.state = complete                                      ? MemberState::done
              : report.status == RunStatus::stopped_early ? MemberState::stopped_early
                                                          : MemberState::diverged;
    r.message = report.message;
    record_result(r, report);
  } catch (const std::exception&) {
    // A torn or foreign report: the member runs again from scratch or its checkpoint.
  }
}

MemberRun run_member(const ExperimentConfig& config, const fs::path& dir, int threads,
                     const FlatConfig& session_hparams, int64_t pause_after_epochs) {
  RunOptions run_options;
  run_options.quiet = true;
  run_options.pause_after_epochs = pause_after_epochs;
  run_options.session_hparams = session_hparams;
  MemberRun run;
  try {
    if (has_checkpoint(dir)) {
      run_options.resume_dir = dir;
      run.outcome = run_experiment(load_config(dir / "config.yaml"), run_options);
    } else {
      fs::remove_all(dir);  // leftovers of a start that never reached its first checkpoint
      ExperimentConfig fresh = config;
      if (threads > 0) {
        fresh.threads = threads;
        fresh.resolved_yaml = to_yaml(fresh);
      }
      run_options.run_dir = dir;
      run.outcome = run_experiment(fresh, run_options);
    }
    run.code = run.outcome->exit_code;
  } catch (const Error& e) {
    run.error = e.what();
    run.code = e.code();
  } catch (const std::exception& e) {
    run.error = e.what();
    run.code = ExitCode::failure;
  }
  return run;
}

void record_run(MemberRecord& r, const MemberRun& run) {
  if (run.outcome) record_result(r, run.outcome->report);
  r.state = !run.outcome                                              ? MemberState::failed
            : run.outcome->report.status == RunStatus::stopped_early ? MemberState::stopped_early
            : run.code == ExitCode::ok                                ? MemberState::done
            : run.code == ExitCode::diverged ? MemberState::diverged
                                             : MemberState::interrupted;
  r.message = run.outcome ? run.outcome->report.message : run.error;
}

bool has_result(MemberState state) {
  return state == MemberState::done || state == MemberState::stopped_early || state == MemberState::interrupted ||
         state == MemberState::paused || state == MemberState::pruned;
}

std::string count_states(const Manifest& manifest) {
  std::string out;
  for (MemberState s : {MemberState::done, MemberState::stopped_early, MemberState::pruned, MemberState::diverged,
                        MemberState::failed, MemberState::interrupted, MemberState::paused, MemberState::running,
                        MemberState::pending}) {
    const auto n = std::count_if(manifest.members.begin(), manifest.members.end(),
                                 [&](const MemberRecord& r) { return r.state == s; });
    if (n > 0) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n, to_string(s));
  }
  return out;
}

bool is_finished(MemberState state) {
  return state == MemberState::done || state == MemberState::stopped_early || state == MemberState::diverged ||
         state == MemberState::pruned;
}

}  // namespace expt
