#include "sweep/sweep_runner.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "config/load_config.hpp"
#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "experiment/run.hpp"
#include "sweep/estimate.hpp"
#include "sweep/expand.hpp"
#include "sweep/manifest.hpp"
#include "sweep/sweep_lock.hpp"
#include "sweep/sweep_spec.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;

bool has_checkpoint(const fs::path& dir) {
  return fs::exists(dir / "checkpoints" / "last.safetensors") && fs::exists(dir / "report.json");
}

void record_result(MemberRecord& r, const Report& report) {
  r.final_test_accuracy = report.final_test_accuracy();
  r.best_test_accuracy = report.best_test_accuracy();
  r.final_train_accuracy = report.final_train_accuracy();
  r.epochs_done = static_cast<int64_t>(report.epochs.size());
  r.seconds = report.total_seconds;
}

// A member whose run ended but whose end the manifest missed (the sweep was killed between the
// two writes): its report says so, and running it again would run it twice.
void adopt_finished_run(MemberRecord& r, const SweepMember& m, const fs::path& dir) {
  if (!fs::exists(dir / "report.json")) return;
  try {
    const Report report = read_report(dir / "report.json");
    const bool complete = report.status == "completed" && static_cast<int64_t>(report.epochs.size()) == m.config.training.epochs;
    if (!complete && report.status != "diverged") return;
    r.state = complete ? MemberState::done : MemberState::diverged;
    r.message = report.message;
    record_result(r, report);
  } catch (const std::exception&) {
    // A torn or foreign report: the member runs again from scratch or its checkpoint.
  }
}

class SweepRun {
 public:
  SweepRun(const SweepPlan& plan, Manifest manifest, const SweepOptions& options)
      : plan_(plan), manifest_(std::move(manifest)), options_(options), manifest_path_(plan.dir / "sweep.json") {}

  int run() {
    for (size_t i = 0; i < plan_.members.size(); ++i) {
      MemberRecord& r = manifest_.members[i];
      if (r.state != MemberState::done && r.state != MemberState::diverged)
        adopt_finished_run(r, plan_.members[i], member_dir(i));
      if (r.state != MemberState::done && r.state != MemberState::diverged) queue_.push_back(i);
    }
    write_manifest(manifest_path_, manifest_);

    const int jobs = std::max(1, std::min<int>(options_.jobs, static_cast<int>(std::max<size_t>(1, queue_.size()))));
    threads_per_member_ = options_.jobs > 1 ? std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / options_.jobs) : 0;
    if (!options_.quiet)
      say(stdout, fmt::format("sweep {}: {} members, {} to run, in {}{}", plan_.name, plan_.members.size(), queue_.size(),
                              plan_.dir.string(),
                              threads_per_member_ ? fmt::format(" ({} side by side, {} threads each)", jobs, threads_per_member_) : ""));

    install_interrupt_handler();
    std::vector<std::thread> workers;
    for (int j = 0; j < jobs; ++j) workers.emplace_back([this] { work(); });
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

  void run_member(size_t i) {
    const SweepMember& m = plan_.members[i];
    const fs::path dir = member_dir(i);
    const bool resume = has_checkpoint(dir);
    {
      std::lock_guard lock(mutex_);
      MemberRecord& r = manifest_.members[i];
      r.state = MemberState::running;
      r.message.clear();
      ++r.starts;
      write_manifest(manifest_path_, manifest_);
      if (!options_.quiet)
        say(stdout, fmt::format("{} start     {}{}", tag(i), describe(m.parameters), resume ? " (resuming from its last checkpoint)" : ""));
    }

    RunOptions run_options;
    run_options.quiet = true;
    std::optional<RunOutcome> outcome;
    std::string error;
    ExitCode code = ExitCode::ok;
    try {
      if (resume) {
        // The folder's own config: its hash is what the checkpoint was written with, whatever
        // --jobs (and so `threads`) this invocation uses.
        run_options.resume_dir = dir;
        outcome = run_experiment(load_config(dir / "config.yaml"), run_options);
      } else {
        fs::remove_all(dir);  // leftovers of a start that never reached its first checkpoint
        ExperimentConfig config = m.config;
        if (threads_per_member_ > 0) {
          config.threads = threads_per_member_;
          config.resolved_yaml = to_yaml(config);
        }
        run_options.run_dir = dir;
        outcome = run_experiment(config, run_options);
      }
      code = outcome->exit_code;
    } catch (const Error& e) {
      error = e.what();
      code = e.code();
    } catch (const std::exception& e) {
      error = e.what();
      code = ExitCode::failure;
    }
    finish_member(i, outcome, error, code);
  }

  void finish_member(size_t i, const std::optional<RunOutcome>& outcome, const std::string& error, ExitCode code) {
    std::lock_guard lock(mutex_);
    MemberRecord& r = manifest_.members[i];
    if (outcome) record_result(r, outcome->report);
    r.state = !outcome                        ? MemberState::failed
              : code == ExitCode::ok          ? MemberState::done
              : code == ExitCode::diverged    ? MemberState::diverged
                                              : MemberState::interrupted;
    r.message = outcome ? outcome->report.message : error;
    write_manifest(manifest_path_, manifest_);

    const std::string params = describe(plan_.members[i].parameters);
    if (r.state == MemberState::done || r.state == MemberState::interrupted) {
      if (!options_.quiet)
        say(stdout, fmt::format("{} {:<9} {} | test {:.4f} (best {:.4f}) train {:.4f} | {} epochs {:.1f}s", tag(i),
                                to_string(r.state), params, r.final_test_accuracy, r.best_test_accuracy,
                                r.final_train_accuracy, r.epochs_done, r.seconds));
    } else {
      say(stderr, fmt::format("{} {:<9} {} | {}", tag(i), to_string(r.state), params, r.message));
      if (options_.fail_fast && !stop_) {
        stop_ = true;
        fail_fast_code_ = static_cast<int>(code);
      }
    }
  }

  int finish() {
    int counts[6] = {};
    for (const auto& r : manifest_.members) ++counts[static_cast<size_t>(r.state)];
    std::string summary;
    for (MemberState s : {MemberState::done, MemberState::diverged, MemberState::failed, MemberState::interrupted,
                          MemberState::running, MemberState::pending})
      if (counts[static_cast<size_t>(s)] > 0)
        summary += fmt::format("{}{} {}", summary.empty() ? "" : ", ", counts[static_cast<size_t>(s)], to_string(s));
    say(stdout, fmt::format("sweep {}: {} | {}", plan_.name, summary, manifest_path_.string()));
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
  const fs::path manifest_path_;
  std::vector<size_t> queue_;
  int threads_per_member_ = 0;

  std::mutex mutex_;  // guards everything below, the manifest and the output
  size_t next_ = 0;
  bool stop_ = false;
  int fail_fast_code_ = 0;
  std::exception_ptr fatal_;
};

// The recorded manifest's states carried over to the members of the current plan.
Manifest merge_states(Manifest now, const Manifest& recorded) {
  now.created_at = recorded.created_at;
  for (auto& r : now.members)
    for (const auto& old : recorded.members)
      if (old.id == r.id) {
        const ParameterValues parameters = r.parameters;
        r = old;
        r.parameters = parameters;
      }
  return now;
}

}  // namespace

int run_sweep(const fs::path& file, const SweepOptions& options) {
  if (options.jobs < 1) throw Error(ExitCode::usage, fmt::format("--jobs {}: must be at least 1", options.jobs));
  const SweepSpec spec = read_sweep_file(file);
  const SweepPlan plan = expand_sweep(spec, options.overrides);
  const fs::path manifest_path = plan.dir / "sweep.json";

  std::optional<SweepLock> lock;
  if (!options.dry_run) lock.emplace(plan.dir);
  std::optional<Manifest> recorded;
  if (fs::exists(manifest_path)) recorded = read_manifest(manifest_path);
  Manifest now = manifest_for(plan, file);
  const std::string changes = recorded ? describe_member_changes(*recorded, now) : "";

  if (options.dry_run) fmt::print("{}", describe_dry_run(plan, recorded ? &*recorded : nullptr, options.gflops));
  if (!changes.empty())
    throw ConfigError(fmt::format(
        "{} no longer describes the sweep recorded in {}: {}. Give the sweep another `name:` to start a new one "
        "beside it, or delete {} to start over",
        file.string(), manifest_path.string(), changes, plan.dir.string()));
  if (options.dry_run) return 0;
  if (recorded) now = merge_states(std::move(now), *recorded);
  return SweepRun(plan, std::move(now), options).run();
}

}  // namespace expt
