#include "sweep/sweep_runner.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "experiment/run.hpp"
#include "sweep/asha.hpp"
#include "sweep/asha_turn.hpp"
#include "sweep/estimate.hpp"
#include "sweep/expand.hpp"
#include "sweep/manifest.hpp"
#include "sweep/member_claim.hpp"
#include "sweep/member_execution.hpp"
#include "sweep/slurm_launcher.hpp"
#include "sweep/sweep_hparams.hpp"
#include "sweep/sweep_lock.hpp"
#include "sweep/sweep_spec.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;

class SweepRun {
 public:
  SweepRun(const SweepPlan& plan, Manifest fresh, const SweepOptions& options, const AshaSpec& asha)
      : plan_(plan), manifest_(std::move(fresh)), options_(options), asha_(asha), manifest_path_(manifest_path(plan.dir)) {}

  int run() {
    {
      // Under the manifest lock: Slurm array tasks (expt sweep-member) may be updating it.
      const ManifestLock lock(plan_.dir);
      if (fs::exists(manifest_path_)) manifest_ = merge_states(std::move(manifest_), read_manifest(manifest_path_));
      for (size_t i = 0; i < plan_.members.size(); ++i) {
        adopt_finished_run(manifest_.members[i], plan_.members[i].config.training.epochs, member_dir(i));
        if (asha_.enabled()) adopt_rung_result(manifest_.members[i], asha_, member_dir(i));
      }
      write_manifest(manifest_path_, manifest_);
    }
    write_sweep_hparams_summary(plan_, manifest_);
    for (size_t i = 0; i < plan_.members.size(); ++i)
      if (!is_finished(manifest_.members[i].state) && manifest_.members[i].state != MemberState::paused)
        queue_.push_back(i);

    // Under ASHA paused members may be promoted, so every worker has work while any remains.
    const int jobs = asha_.enabled() ? options_.jobs
                                     : std::max(1, std::min<int>(options_.jobs, static_cast<int>(std::max<size_t>(1, queue_.size()))));
    threads_per_member_ = options_.jobs > 1 ? std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / options_.jobs) : 0;
    if (!options_.quiet)
      say(stdout, fmt::format("sweep {}: {} members, {} to run, in {}{}", plan_.name, plan_.members.size(), queue_.size(),
                              plan_.dir.string(),
                              threads_per_member_ ? fmt::format(" ({} side by side, {} threads each)", jobs, threads_per_member_) : ""));

    install_interrupt_handler();
    std::vector<std::thread> workers;
    for (int j = 0; j < jobs; ++j) workers.emplace_back([this] { asha_.enabled() ? work_asha() : work(); });
    for (auto& w : workers) w.join();
    if (fatal_) std::rethrow_exception(fatal_);
    return finish();
  }

 private:
  fs::path member_dir(size_t i) const { return plan_.dir / plan_.members[i].id; }

  void say(FILE* stream, const std::string& line) {
    fmt::print(stream, "{}\n", line);
    std::fflush(stream);
  }

  std::string tag(size_t i) const {
    return fmt::format("[{}/{}] {}", i + 1, plan_.members.size(), plan_.members[i].id.substr(0, 8));
  }

  void work() {
    while (true) {
      size_t i = 0;
      {
        std::lock_guard lock(mutex_);
        if (stop_ || interrupt_requested() || next_ == queue_.size()) return;
        i = queue_[next_++];
      }
      try {
        run_member(i);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!fatal_) fatal_ = std::current_exception();
        stop_ = true;
      }
    }
  }

  // ASHA: each free worker asks the manifest, under its lock, for the next promotion or new
  // member, claims it and records the decision in the same write. With nothing to take while
  // other members run (their results may make promotions ready), it waits for one to end.
  void work_asha() {
    std::unique_lock guard(mutex_);
    while (!stop_ && !interrupt_requested()) {
      AshaTurn turn = take_asha_turn(
          plan_.dir, "", [&](const MemberRecord& r) { return ran_here_.contains(r.id); },
          [&](const Manifest& m) { return running_here_.empty() && !asha_may_promote_later(m); });
      if (turn.raced) {
        guard.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        guard.lock();
        continue;
      }
      if (!turn.member) {
        if (running_here_.empty()) return;
        ended_.wait_for(guard, std::chrono::seconds(1));
        continue;
      }
      const size_t i = *turn.member;
      running_here_.insert(plan_.members[i].id);
      store(i, turn.manifest);
      const SweepMember& member = plan_.members[i];
      const MemberRecord& r = manifest_.members[i];
      const int64_t rung_epochs = asha_rungs(asha_)[static_cast<size_t>(r.rung)];
      if (!options_.quiet)
        say(stdout, fmt::format("{} {}   {} | to epoch {}{}", tag(i), r.rung == 0 ? "start  " : "promote",
                                describe(member.parameters), rung_epochs,
                                r.attempts.back().from_epoch > 0 ? fmt::format(" from epoch {}", r.attempts.back().from_epoch) : ""));
      const FlatConfig hparams = varied_config(manifest_.common_config, member.config.resolved_yaml);
      guard.unlock();
      MemberRun run;
      try {
        run = expt::run_member(member.config, member_dir(i), threads_per_member_, hparams, rung_epochs);
      } catch (...) {
        guard.lock();
        if (!fatal_) fatal_ = std::current_exception();
        stop_ = true;
        running_here_.erase(member.id);
        ended_.notify_all();
        return;
      }
      guard.lock();
      store(i, end_asha_turn(plan_.dir, member.id, run, asha_));
      running_here_.erase(member.id);
      const MemberState state = manifest_.members[i].state;
      if (state == MemberState::failed || state == MemberState::interrupted) ran_here_.insert(member.id);  // not again here
      report_end(i, run);
      ended_.notify_all();
    }
  }

  void run_member(size_t i) {
    const SweepMember& m = plan_.members[i];
    const fs::path dir = member_dir(i);
    std::unique_lock guard(mutex_);  // manifest_ is shared with the other workers
    const auto claim = claim_member(plan_.dir, manifest_, m.id);
    if (!claim) {
      if (!options_.quiet) say(stdout, fmt::format("{} skipped   {} | another process runs it", tag(i), describe(m.parameters)));
      return;
    }
    const bool resume = has_checkpoint(dir);
    bool finished_elsewhere = false;
    store(i, update_member(plan_.dir, m.id, [&](MemberRecord& r) {
      adopt_finished_run(r, m.config.training.epochs, dir);
      finished_elsewhere = is_finished(r.state);
      if (!finished_elsewhere) start_attempt(r, "", resume ? epochs_recorded(dir) : 0);
    }));
    if (finished_elsewhere) return;
    if (!options_.quiet)
      say(stdout, fmt::format("{} start     {}{}", tag(i), describe(m.parameters), resume ? " (resuming from its last checkpoint)" : ""));
    guard.unlock();
    const MemberRun run = expt::run_member(m.config, dir, threads_per_member_,
                                           varied_config(manifest_.common_config, m.config.resolved_yaml));
    finish_member(i, run);
  }

  void finish_member(size_t i, const MemberRun& run) {
    std::lock_guard lock(mutex_);
    store(i, update_member(plan_.dir, plan_.members[i].id, [&](MemberRecord& r) {
      record_run(r, run);
      end_attempt(r);
    }));
    report_end(i, run);
  }

  // The member's line, and with --fail-fast the stop after a failure. Holds mutex_.
  void report_end(size_t i, const MemberRun& run) {
    const MemberRecord& r = manifest_.members[i];

    const std::string params = describe(plan_.members[i].parameters);
    if (has_result(r.state)) {
      if (!options_.quiet)
        say(stdout, fmt::format("{} {:<9} {} | test {:.4f} (best {:.4f}) train {:.4f} | {} epochs {:.1f}s", tag(i),
                                to_string(r.state), params, r.final_test_accuracy, r.best_test_accuracy,
                                r.final_train_accuracy, r.epochs_done, r.seconds));
    } else {
      say(stderr, fmt::format("{} {:<9} {} | {}", tag(i), to_string(r.state), params, r.message));
      if (options_.fail_fast && !stop_) {
        stop_ = true;
        fail_fast_code_ = static_cast<int>(run.code);
      }
    }
  }

  // Keeps this process's copy of member i as it is on disk now.
  void store(size_t i, const Manifest& written) { manifest_.members[i] = *find_member(written, plan_.members[i].id); }

  int finish() {
    say(stdout, fmt::format("sweep {}: {} | {}", plan_.name, count_states(read_manifest_locked(plan_.dir)),
                            manifest_path_.string()));
    if (interrupt_requested()) {
      say(stderr, "interrupted: run the same command again to resume");
      return static_cast<int>(ExitCode::interrupted);
    }
    if (fail_fast_code_ != 0) return fail_fast_code_;
    if (!options_.quiet) say(stdout, fmt::format("compare: expt compare {}", plan_.dir.string()));
    return 0;
  }

  const SweepPlan& plan_;
  Manifest manifest_;
  const SweepOptions& options_;
  const AshaSpec asha_;
  const fs::path manifest_path_;
  std::vector<size_t> queue_;
  int threads_per_member_ = 0;

  std::mutex mutex_;  // guards everything below, the manifest and the output
  size_t next_ = 0;
  bool stop_ = false;
  int fail_fast_code_ = 0;
  std::exception_ptr fatal_;
  std::set<std::string> running_here_;  // ASHA: members this process's workers run now
  std::set<std::string> ran_here_;      // ASHA: failed or interrupted here; left for the next sweep process
  std::condition_variable ended_;       // ASHA: a member ended, so a promotion may be ready
};

}  // namespace

int run_sweep(const fs::path& file, const SweepOptions& options) {
  if (options.jobs < 1) throw Error(ExitCode::usage, fmt::format("--jobs {}: must be at least 1", options.jobs));
  if (options.launcher == Launcher::slurm && (options.jobs != 1 || options.fail_fast))
    throw Error(ExitCode::usage, "--jobs and --fail-fast are for local sweeps; with --launcher slurm use --pack and --array-parallelism");
  const SweepSpec spec = read_sweep_file(file);
  const SweepPlan plan = expand_sweep(spec, options.overrides);
  if (options.launcher == Launcher::slurm) return submit_to_slurm(spec, plan, options);

  std::optional<SweepLock> lock;
  if (!options.dry_run) lock.emplace(plan.dir);
  const fs::path recorded_path = manifest_path(plan.dir);
  std::optional<Manifest> recorded;
  if (fs::exists(recorded_path)) recorded = read_manifest(recorded_path);
  if (recorded && lock) remove_abandoned_sweep_temporaries(plan.dir);  // left by a kill during an atomic write
  Manifest now = manifest_for(plan, file);
  if (options.dry_run) fmt::print("{}", describe_dry_run(plan, recorded ? &*recorded : nullptr, options.gflops));
  if (recorded) require_same_members(*recorded, now, file, plan.dir, spec.trials > 0);
  if (options.dry_run) return 0;
  return SweepRun(plan, std::move(now), options, spec.scheduler).run();
}

}  // namespace expt
