#pragma once
// results/<sweep>/sweep.json: the state of every member, rewritten atomically after every
// change so that a crash, kill -9 or Ctrl-C leaves a manifest the next run can resume from.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/flatten_config.hpp"
#include "sweep/expand.hpp"

namespace expt {

inline constexpr int kManifestSchemaVersion = 1;

// pending: not started. running: started by a sweep process that has not recorded the end (it
// may have been killed). interrupted: stopped by Ctrl-C, resumable from its last checkpoint.
// stopped_early: finished by its early stopping, a result like done. Under ASHA (asha.hpp):
// paused: trained to its rung, waiting for a promotion; pruned: left at its rung for good
// when the sweep ended (growing the sweep may still promote it).
enum class MemberState { pending, running, done, failed, diverged, interrupted, stopped_early, paused, pruned };

std::string to_string(MemberState state);
MemberState member_state_from_string(const std::string& text);  // throws std::runtime_error

// One process's go at a member: a local sweep or a Slurm array task starting or resuming it.
struct MemberAttempt {
  std::string started_at, ended_at;  // ended_at: empty while it runs, or when its process was killed
  std::string host;
  std::string slurm_task;            // "<array job id>_<task index>"; empty in a local sweep
  int64_t from_epoch = 0;            // epochs already done when it started: > 0 when it resumed
  std::string outcome;               // the member's state when it ended; empty like ended_at
};

struct MemberRecord {
  std::string id;
  ParameterValues parameters;
  MemberState state = MemberState::pending;
  std::string message;  // why, for failed and diverged
  int starts = 0;       // how many times a sweep process started (or resumed) it
  std::string slurm_task;               // the array task that runs it, ran it or is queued to
  std::vector<MemberAttempt> attempts;  // in order; attempts.size() == starts for new sweeps
  // From its report, once it has ended.
  double final_test_accuracy = 0, best_test_accuracy = 0, final_train_accuracy = 0, seconds = 0;
  int64_t epochs_done = 0;
  // Under ASHA: the rung it was last sent to (an index into the rungs), and the scheduler's
  // metric at the end of each rung it reached. rung_metrics.size() == rung + 1 once it reported.
  int64_t rung = 0;
  std::vector<double> rung_metrics;
};

// One `expt sweep --launcher slurm` submission.
struct SlurmJobRecord {
  std::string job_id;
  std::string submitted_at;
  int64_t tasks = 0, members = 0;
  std::string script;  // the batch script as submitted, relative to the sweep folder
};

struct Manifest {
  std::string name;
  std::string sweep_file;
  std::vector<std::string> parameter_keys;
  FlatConfig common_config;  // keys every member shares, to name what changed in the base
  std::vector<MemberRecord> members;
  std::vector<SlurmJobRecord> slurm_jobs;
  AshaSpec scheduler;  // for the processes (Slurm array tasks) that schedule from the manifest alone
  std::string created_at, updated_at;
};

// A fresh manifest for a plan: every member pending.
Manifest manifest_for(const SweepPlan& plan, const std::filesystem::path& sweep_file);

nlohmann::ordered_json to_json(const Manifest& manifest);
Manifest manifest_from_json(const nlohmann::json& j);  // throws std::exception
Manifest read_manifest(const std::filesystem::path& path);  // throws IoError naming the file
void write_manifest(const std::filesystem::path& path, Manifest& manifest);  // sets updated_at

// The member with this id, or null.
MemberRecord* find_member(Manifest& manifest, const std::string& id);
const MemberRecord* find_member(const Manifest& manifest, const std::string& id);

// The recorded manifest's states (and Slurm jobs) carried over to the members of `now`.
Manifest merge_states(Manifest now, const Manifest& recorded);

// Empty when both describe the same members; else what changed, for the error message:
// parameters added or removed, base config keys whose value changed, members added or removed.
std::string describe_member_changes(const Manifest& recorded, const Manifest& now);

// Throws ConfigError (exit 3) when `file` now describes other members than the sweep recorded
// in `sweep_dir`, saying what changed and how to start a new sweep. With `may_grow` (a random
// search, whose earlier trials stay what they were), added members are fine; removed ones are not.
void require_same_members(const Manifest& recorded, const Manifest& now, const std::filesystem::path& file,
                          const std::filesystem::path& sweep_dir, bool may_grow);

}  // namespace expt
