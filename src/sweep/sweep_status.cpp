#include "sweep/sweep_status.hpp"

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "sweep/asha.hpp"
#include "sweep/expand.hpp"
#include "sweep/manifest.hpp"
#include "sweep/member_claim.hpp"
#include "sweep/member_execution.hpp"
#include "sweep/slurm_queue.hpp"
#include "sweep/sweep_spec.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;

constexpr auto kPollInterval = std::chrono::seconds(2);

fs::path sweep_dir_of(const fs::path& path, const std::vector<std::string>& overrides) {
  if (fs::is_directory(path)) return path;
  if (path.filename() == "sweep.json") return path.parent_path();
  return expand_sweep(read_sweep_file(path), overrides).dir;
}

struct Counts {
  size_t done = 0, running = 0, failed = 0, waiting = 0;  // failed: failed or diverged
  bool operator==(const Counts&) const = default;
};

Counts count(const Manifest& m) {
  Counts c;
  for (const auto& r : m.members) {
    if (r.state == MemberState::done || r.state == MemberState::stopped_early || r.state == MemberState::pruned) ++c.done;
    else if (r.state == MemberState::running) ++c.running;
    else if (r.state == MemberState::failed || r.state == MemberState::diverged) ++c.failed;
    else ++c.waiting;
  }
  return c;
}

std::vector<std::string> job_ids(const Manifest& m) {
  std::vector<std::string> ids;
  for (const auto& job : m.slurm_jobs) ids.push_back(job.job_id);
  return ids;
}

// squeue's view, or why there is none (no squeue here, controller unreachable).
std::map<std::string, std::string> live_states(const Manifest& m, std::string& note) {
  if (m.slurm_jobs.empty()) return {};
  try {
    return array_task_states(job_ids(m));
  } catch (const Error& e) {
    note = fmt::format("(no live job states: {})", e.what());
    return {};
  }
}

}  // namespace

int show_sweep_status(const fs::path& path, const std::vector<std::string>& overrides) {
  const fs::path dir = sweep_dir_of(path, overrides);
  if (!fs::exists(manifest_path(dir)))
    throw ReadError(fmt::format("{} has no sweep.json: the sweep has not been run or submitted yet", dir.string()));
  const Manifest m = read_manifest(manifest_path(dir));
  std::string note;
  const auto live = live_states(m, note);

  fmt::print("sweep {}: {} members | {}\n", m.name, m.members.size(), manifest_path(dir).string());
  // Under ASHA, the rung each member was last sent to, with that rung's epochs.
  const std::vector<int64_t> rungs = m.scheduler.enabled() ? asha_rungs(m.scheduler) : std::vector<int64_t>{};
  const auto rung_cell = [&](const MemberRecord& r) {
    return rungs.empty() ? std::string() : fmt::format("{:<12}  ", fmt::format("{} ({} ep)", r.rung, rungs[static_cast<size_t>(r.rung)]));
  };
  fmt::print("{:<16}  {:<11}  {}{:>6}  {:<14}  {:<11}  {:>6}  {:>6}  {}\n", "member", "state",
             rungs.empty() ? "" : fmt::format("{:<12}  ", "rung"), "starts", "slurm task", "task state", "test", "epochs",
             "parameters");
  size_t stalled = 0;
  for (const auto& r : m.members) {
    std::string state = to_string(r.state);
    if (r.state == MemberState::running && !member_is_claimed(dir, m, r.id)) {
      state = "stalled";
      ++stalled;
    }
    const auto task = live.find(r.slurm_task);
    fmt::print("{:<16}  {:<11}  {}{:>6}  {:<14}  {:<11}  {:>6}  {:>6}  {}\n", r.id, state, rung_cell(r), r.starts,
               r.slurm_task.empty() ? "-" : r.slurm_task, task == live.end() ? "-" : task->second,
               r.epochs_done > 0 ? fmt::format("{:.4f}", r.final_test_accuracy) : "-", r.epochs_done, describe(r.parameters));
  }
  for (const auto& job : m.slurm_jobs) {
    std::map<std::string, size_t> states;
    for (const auto& [task, state] : live)
      if (array_job_of(task) == job.job_id) ++states[state];
    std::string tasks;
    for (const auto& [state, n] : states) tasks += fmt::format("{}{} {}", tasks.empty() ? "" : ", ", n, state);
    fmt::print("slurm job {} ({}, {} members in {} tasks, {}): {}\n", job.job_id, job.submitted_at, job.members, job.tasks,
               job.script, tasks.empty() ? "no longer known to squeue" : tasks);
  }
  if (!note.empty()) fmt::print("{}\n", note);
  fmt::print("{}{}\n", count_states(m),
             stalled > 0 ? fmt::format(" ({} stalled: marked running but no process holds them, e.g. a killed task; "
                                       "running or submitting the sweep again resumes them)",
                                       stalled)
                         : "");
  return 0;
}

int follow_sweep(const fs::path& dir, const std::vector<std::string>& jobs, bool quiet) {
  install_interrupt_handler();
  std::optional<Counts> shown;
  while (true) {
    const auto tasks = array_task_states(jobs);
    const Manifest m = read_manifest_locked(dir);
    const Counts c = count(m);
    size_t active = 0;
    for (const auto& [task, state] : tasks) active += is_waiting_or_running(state) || state == "COMPLETING";
    if (!quiet && c != shown) {
      fmt::print("{} done, {} running, {} failed, {} waiting | {} array tasks queued or running\n", c.done, c.running,
                 c.failed, c.waiting, active);
      std::fflush(stdout);
      shown = c;
    }
    if (active == 0) {
      fmt::print("sweep {}: {} | {}\n", m.name, count_states(m), manifest_path(dir).string());
      if (c.running + c.waiting == 0) return 0;
      fmt::print(stderr, "{} members were not run to the end (a cancelled, timed-out or killed task): submit the sweep "
                         "again to resume them\n", c.running + c.waiting);
      return static_cast<int>(ExitCode::interrupted);
    }
    for (auto waited = std::chrono::milliseconds(0); waited < kPollInterval; waited += std::chrono::milliseconds(100)) {
      if (interrupt_requested()) {
        fmt::print(stderr, "stopped following; the jobs go on (expt sweep status {})\n", dir.string());
        return static_cast<int>(ExitCode::interrupted);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace expt
