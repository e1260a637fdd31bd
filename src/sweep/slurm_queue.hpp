#pragma once
// The Slurm client commands expt calls, their failures turned into clear errors (BackendError,
// exit code 5: Slurm is not there or refuses).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace expt {

// The command on PATH; throws BackendError saying which package provides it when it is missing.
std::filesystem::path slurm_command(const std::string& name);

// squeue's state of every array task of these jobs that the controller still knows ("1234_5"
// -> "RUNNING"), finished ones included until the controller forgets them (MinJobAge). Jobs it
// no longer knows are simply absent. Throws BackendError when squeue fails.
std::map<std::string, std::string> array_task_states(const std::vector<std::string>& job_ids);

// Pending, running, suspended, requeued...: the task may still start or run a member.
bool is_waiting_or_running(const std::string& state);

// Best effort (for rolling back a submission): scancel the job, ignoring failures.
void cancel_job(const std::string& job_id);

// "1234" from "1234_5" or "1234".
std::string array_job_of(const std::string& task);

}  // namespace expt
