#include "sweep/slurm_queue.hpp"

#include <algorithm>
#include <array>
#include <sstream>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "sweep/child_process.hpp"

namespace expt {
namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::filesystem::path slurm_command(const std::string& name) {
  if (auto path = find_on_path(name)) return *path;
  throw BackendError(fmt::format("{} is not on PATH: --launcher slurm needs the Slurm client commands where expt runs "
                                 "(Debian: apt-get install slurm-client; on a cluster, run expt on a login node)",
                                 name));
}

std::map<std::string, std::string> array_task_states(const std::vector<std::string>& job_ids) {
  std::map<std::string, std::string> states;
  if (job_ids.empty()) return states;
  const ProgramResult r = run_program(slurm_command("squeue"), {"--noheader", "--array", "--states=all", "--format=%i %T",
                                                                fmt::format("--jobs={}", fmt::join(job_ids, ","))});
  if (r.exit_code != 0) {
    // squeue fails when it knows none of the jobs (they ended longer ago than MinJobAge).
    if (r.err.find("Invalid job id specified") != std::string::npos) return states;
    throw BackendError(fmt::format("squeue failed (exit {}): {}", r.exit_code, trimmed(r.err)));
  }
  std::istringstream lines(r.out);
  for (std::string task, state; lines >> task >> state;) states[task] = state;
  return states;
}

bool is_waiting_or_running(const std::string& state) {
  static constexpr std::array<std::string_view, 11> kStates{
      "PENDING",  "CONFIGURING", "RUNNING",   "SUSPENDED", "REQUEUED", "REQUEUE_FED",
      "REQUEUE_HOLD", "RESIZING", "SIGNALING", "STOPPED",   "RESV_DEL_HOLD"};
  return std::find(kStates.begin(), kStates.end(), state) != kStates.end();
}

void cancel_job(const std::string& job_id) {
  try {
    run_program(slurm_command("scancel"), {job_id});
  } catch (const Error&) {
    // Nothing more to do: the caller reports the original failure.
  }
}

std::string array_job_of(const std::string& task) { return task.substr(0, task.find('_')); }

}  // namespace expt
