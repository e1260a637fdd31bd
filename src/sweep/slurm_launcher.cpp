#include "sweep/slurm_launcher.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"
#include "experiment/run_recorder.hpp"
#include "sweep/child_process.hpp"
#include "sweep/estimate.hpp"
#include "sweep/member_claim.hpp"
#include "sweep/member_execution.hpp"
#include "sweep/slurm_queue.hpp"
#include "sweep/sweep_hparams.hpp"
#include "sweep/sweep_lock.hpp"
#include "sweep/sweep_status.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;

// What a submission created, removed again unless it is committed, so that a failed submission
// leaves the results folder as it found it.
class Rollback {
 public:
  Rollback() = default;
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback() {
    std::error_code ignored;
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) fs::remove_all(*it, ignored);
  }

  void create_directories(const fs::path& dir) {
    std::vector<fs::path> missing;
    for (fs::path p = dir; !p.empty() && !fs::exists(p); p = p.parent_path()) missing.push_back(p);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw IoError(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    created_.insert(created_.end(), missing.rbegin(), missing.rend());
  }
  void write_new_file(const fs::path& path, std::string_view text) {
    write_file_atomically(path, text);
    created_.push_back(path);
  }
  void created_if_new(const fs::path& path, bool existed) {
    if (!existed) created_.push_back(path);
  }
  void commit() { created_.clear(); }

 private:
  std::vector<fs::path> created_;
};

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> shell_quoted(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  for (const auto& word : words) out.push_back(shell_quote(word));
  return out;
}

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

void check_options(const SlurmOptions& o) {
  auto at_least = [](int value, int low, const char* flag) {
    if (value < low) throw Error(ExitCode::usage, fmt::format("{} {}: must be at least {}", flag, value, low));
  };
  at_least(o.pack, 1, "--pack");
  at_least(o.array_parallelism, 0, "--array-parallelism");
  at_least(o.gpus_per_job, 0, "--gpus-per-job");
  at_least(o.cpus_per_job, 0, "--cpus-per-job");
  std::vector<std::pair<std::string, std::string>> given{{"--partition", "partition=" + o.partition},
                                                         {"--time", "time=" + o.time}};
  for (const auto& option : o.sbatch_options) given.emplace_back("--sbatch", option);
  for (const auto& [flag, option] : given)
    if (const std::string problem = sbatch_option_problem(option); !problem.empty())
      throw Error(ExitCode::usage, fmt::format("{} {}: {}", flag, quote_value(option), problem));
}

// sbatch's arguments: expt's own, then the sweep file's `launcher: {slurm: ...}`, then the
// command line's; sbatch keeps the last value of an option given twice, so the command line wins.
std::vector<std::string> sbatch_arguments(const SweepSpec& spec, const fs::path& dir, size_t tasks, const SlurmOptions& o) {
  std::vector<std::string> args{
      "--parsable",
      fmt::format("--job-name=expt-{}", spec.name),
      fmt::format("--array=0-{}{}", tasks - 1, o.array_parallelism > 0 ? fmt::format("%{}", o.array_parallelism) : ""),
      fmt::format("--output={}", (dir / "slurm" / "logs" / "%A_%a.out").string()),
      "--open-mode=append",  // a task that Slurm restarts adds to its log
      "--requeue",           // and Slurm may restart it (node failure, preemption): it resumes
  };
  for (const auto& option : spec.sbatch_options) args.push_back("--" + option);
  if (!o.partition.empty()) args.push_back("--partition=" + o.partition);
  if (!o.time.empty()) args.push_back("--time=" + o.time);
  if (o.gpus_per_job > 0) args.push_back(fmt::format("--gres=gpu:{}", o.gpus_per_job));
  if (o.cpus_per_job > 0) args.push_back(fmt::format("--cpus-per-task={}", o.cpus_per_job));
  for (const auto& option : o.sbatch_options) args.push_back("--" + option);
  return args;
}

std::string batch_script(const SweepSpec& spec, const fs::path& dir, const std::vector<std::vector<std::string>>& tasks,
                         const std::vector<std::string>& args) {
  std::string script = fmt::format(
      "#!/bin/bash\n"
      "# expt sweep {}: array task i runs the members on line i of `tasks`, one after another, each\n"
      "# resumed from its last checkpoint when it has one (docs/slurm.md). Submitted as\n"
      "#   sbatch {} < this file\n"
      "tasks=(\n",
      spec.name, fmt::join(shell_quoted(args), " "));
  for (const auto& members : tasks) script += fmt::format("  '{}'\n", fmt::join(members, " "));
  const fs::path expt = fs::read_symlink("/proc/self/exe");
  script += fmt::format(")\nexec {} sweep-member {} ${{tasks[$SLURM_ARRAY_TASK_ID]}}\n", shell_quote(expt.string()),
                        shell_quote(dir.string()));
  return script;
}

std::string parse_job_id(const std::string& parsable) {
  std::string id = trimmed(parsable.substr(0, parsable.find(';')));  // "<id>;<cluster>" on federations
  if (id.empty() || !std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isdigit(c); }))
    throw BackendError(fmt::format("sbatch printed '{}' where a job id was expected", trimmed(parsable)));
  return id;
}

struct Pending {
  std::vector<size_t> todo;   // members to submit, in plan order
  size_t queued = 0;          // waiting or running in an earlier submission's array task
  size_t running = 0;         // held by a process right now
  size_t finished = 0;
};

// Under the manifest lock: members whose report says they ended (their process was killed
// before recording it) are marked so. Returns the manifest as written.
Manifest record_adoptions(const SweepPlan& plan, const fs::path& dir, const std::function<void(Manifest&)>& more = {}) {
  const ManifestLock lock(dir);
  Manifest m = read_manifest(manifest_path(dir));  // tasks may have changed it since it was read
  for (const auto& member : plan.members)
    if (MemberRecord* r = find_member(m, member.id)) adopt_finished_run(*r, member.config.training.epochs, dir / r->id);
  if (more) more(m);
  write_manifest(manifest_path(dir), m);
  return m;
}

Pending members_to_submit(const Manifest& m, const fs::path& dir) {
  std::vector<std::string> jobs;
  for (const auto& job : m.slurm_jobs) jobs.push_back(job.job_id);
  const auto tasks = array_task_states(jobs);
  Pending p;
  for (size_t i = 0; i < m.members.size(); ++i) {
    const MemberRecord& r = m.members[i];
    const auto task = tasks.find(r.slurm_task);
    if (is_finished(r.state)) ++p.finished;
    else if (task != tasks.end() && is_waiting_or_running(task->second)) ++p.queued;
    else if (member_is_claimed(dir, m, r.id)) ++p.running;
    else p.todo.push_back(i);
  }
  return p;
}


}  // namespace

std::string sbatch_option_problem(std::string_view option) {
  const std::string_view name = option.substr(0, option.find('='));
  if (name.empty() || name.front() == '-' ||
      !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; }))
    return "expected an sbatch long option without its dashes, as NAME=VALUE or NAME (e.g. mem=8G, exclusive)";
  for (std::string_view own : {"array", "output", "error", "wrap", "parsable"})
    if (name == own) return fmt::format("expt sets --{} itself (see --pack and --array-parallelism)", own);
  // Options are also written into the batch script's header, where a newline would start a
  // line of its own: no option value may hold a control character.
  if (std::any_of(option.begin(), option.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return "the value holds a control character (a newline, tab, ...); sbatch options are single-line text";
  return "";
}

int submit_to_slurm(const SweepSpec& spec, const SweepPlan& plan, const SweepOptions& options) {
  const SlurmOptions& o = options.slurm;
  check_options(o);
  const fs::path dir = fs::absolute(plan.dir).lexically_normal();
  Manifest now = manifest_for(plan, spec.file);
  std::optional<Manifest> recorded;
  if (fs::exists(manifest_path(dir))) recorded = read_manifest(manifest_path(dir));
  if (options.dry_run) {
    fmt::print("{}", describe_dry_run(plan, recorded ? &*recorded : nullptr, options.gflops));
    if (recorded) require_same_members(*recorded, now, spec.file, dir, spec.trials > 0);
    fmt::print("sbatch {}\n", fmt::join(sbatch_arguments(spec, dir, (plan.members.size() + o.pack - 1) / o.pack, o), " "));
    return 0;
  }
  if (recorded) require_same_members(*recorded, now, spec.file, dir, spec.trials > 0);
  const fs::path sbatch = slurm_command("sbatch");  // before anything is written

  Rollback rollback;  // declared before the lock: on the way out the lock goes first, then this
  rollback.create_directories(dir);
  rollback.created_if_new(dir / "sweep.lock", fs::exists(dir / "sweep.lock"));
  std::optional<SweepLock> sweep_lock(dir);
  if (recorded) remove_abandoned_sweep_temporaries(dir);  // left by a kill during an atomic write

  Manifest merged = recorded ? merge_states(std::move(now), *recorded) : std::move(now);
  for (size_t i = 0; i < plan.members.size(); ++i)
    adopt_finished_run(merged.members[i], plan.members[i].config.training.epochs, dir / plan.members[i].id);
  const Pending pending = members_to_submit(merged, dir);
  if (pending.todo.empty()) {
    if (recorded) record_adoptions(plan, dir);
    sweep_lock.reset();
    fmt::print("sweep {}: nothing to submit: {} finished, {} queued or running in Slurm, {} running elsewhere\n", spec.name,
               pending.finished, pending.queued, pending.running);
    if (!o.wait || merged.slurm_jobs.empty()) return 0;
    std::vector<std::string> jobs;
    for (const auto& job : merged.slurm_jobs) jobs.push_back(job.job_id);
    return follow_sweep(dir, jobs, options.quiet);
  }

  std::vector<std::vector<std::string>> tasks;
  for (size_t k = 0; k < pending.todo.size(); ++k) {
    if (k % static_cast<size_t>(o.pack) == 0) tasks.emplace_back();
    tasks.back().push_back(plan.members[pending.todo[k]].id);
  }
  const std::vector<std::string> args = sbatch_arguments(spec, dir, tasks.size(), o);
  const std::string script = batch_script(spec, dir, tasks, args);

  rollback.create_directories(dir / "slurm" / "configs");
  rollback.create_directories(dir / "slurm" / "logs");  // Slurm opens the logs there, it does not create folders
  // An ASHA task may take up any member, a paused one included, so all get their config.
  for (size_t i = 0; i < plan.members.size(); ++i) {
    if (!plan.scheduler.enabled() && std::find(pending.todo.begin(), pending.todo.end(), i) == pending.todo.end()) continue;
    const fs::path config = dir / "slurm" / "configs" / (plan.members[i].id + ".yaml");
    if (!fs::exists(config)) rollback.write_new_file(config, plan.members[i].config.resolved_yaml);
  }
  if (!recorded) {
    // The tasks update the manifest, so it must exist before they start.
    rollback.created_if_new(members_lock_path(dir), fs::exists(members_lock_path(dir)));
    const ManifestLock lock(dir);
    write_manifest(manifest_path(dir), merged);
    rollback.created_if_new(manifest_path(dir), false);
  } else {
    // Members new since the manifest was written (a random search's `trials` grown) go into it
    // before any task starts, since tasks look their members up there. Tasks of an earlier
    // submission may be writing it, so it is read again under the lock and only added to. If
    // sbatch then refuses, they stay pending, and the next submission takes them.
    const ManifestLock lock(dir);
    Manifest on_disk = read_manifest(manifest_path(dir));
    const size_t known = on_disk.members.size();
    for (const MemberRecord& r : merged.members)
      if (!find_member(on_disk, r.id)) on_disk.members.push_back(r);
    if (on_disk.members.size() > known) write_manifest(manifest_path(dir), on_disk);
  }
  const ProgramResult submitted = run_program(sbatch, args, script);
  if (submitted.exit_code != 0)
    throw BackendError(fmt::format("sbatch refused the job array (exit {}): {}; nothing was submitted and {} is as it was",
                                   submitted.exit_code, trimmed(submitted.err), dir.string()));
  const std::string job_id = parse_job_id(submitted.out);

  const std::string script_name = fmt::format("slurm/job-{}.sh", job_id);
  try {
    rollback.write_new_file(dir / script_name, script);
    record_adoptions(plan, dir, [&](Manifest& m) {
      for (size_t t = 0; t < tasks.size(); ++t)
        for (const auto& id : tasks[t])
          if (MemberRecord* r = find_member(m, id)) r->slurm_task = fmt::format("{}_{}", job_id, t);
      m.slurm_jobs.push_back({job_id, utc_now_iso8601(), static_cast<int64_t>(tasks.size()),
                              static_cast<int64_t>(pending.todo.size()), script_name});
    });
  } catch (const Error& e) {
    cancel_job(job_id);
    throw IoError(fmt::format("job {} was submitted but could not be recorded, so it was cancelled: {}", job_id, e.what()));
  }
  rollback.commit();
  sweep_lock.reset();
  write_sweep_hparams_summary(plan, merged);

  if (options.quiet) fmt::print("{}\n", job_id);
  else
    fmt::print("sweep {}: submitted job {}: {} members in {} array tasks{}{} | {}\n"
               "logs: {}/slurm/logs/{}_*.out | progress: {}\n",
               spec.name, job_id, pending.todo.size(), tasks.size(),
               o.array_parallelism > 0 ? fmt::format(", at most {} at once", o.array_parallelism) : "",
               pending.queued + pending.running > 0
                   ? fmt::format(" ({} more queued or running from before)", pending.queued + pending.running)
                   : "",
               manifest_path(dir).string(), dir.string(), job_id, fmt::format("expt sweep status {}", dir.string()));
  std::fflush(stdout);
  if (!o.wait) return 0;
  std::vector<std::string> jobs;
  for (const auto& job : read_manifest_locked(dir).slurm_jobs) jobs.push_back(job.job_id);
  return follow_sweep(dir, jobs, options.quiet);
}

}  // namespace expt
