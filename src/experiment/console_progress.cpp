#include "experiment/console_progress.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

namespace expt {
namespace {

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

class ConsoleProgress final : public TrainingObserver {
 public:
  explicit ConsoleProgress(bool quiet) : quiet_(quiet), tty_(::isatty(STDOUT_FILENO) == 1) {}

  void on_start(const RunContext& ctx, Network&) override {
    ctx_ = ctx;
    total_steps_ = static_cast<uint64_t>(ctx.steps_per_epoch * ctx.config->training.epochs);
    start_ = std::chrono::steady_clock::now();
    if (quiet_) return;
    fmt::print("run {} on {} ({}): {} train / {} test images, {} steps per epoch\n", ctx.run_dir.string(),
               ctx.backend_name, ctx.device, ctx.data->train.size(), ctx.data->test.size(), ctx.steps_per_epoch);
    std::fflush(stdout);
  }

  void on_log(const StepLog& log, Network&) override {
    if (quiet_) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const uint64_t done = log.step - ctx_.first_step;
    const double eta = done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(total_steps_ - log.step) : 0;
    const std::string line = fmt::format(
        "epoch {}/{} step {}/{} | loss {:.4f} acc {:.3f} | test batch loss {:.4f} acc {:.3f} | {:.0f} img/s | ETA {}",
        log.epoch + 1, ctx_.config->training.epochs, log.step, total_steps_, log.train.loss(), log.train.accuracy(),
        log.test.loss(), log.test.accuracy(), log.images_per_second, format_duration(eta));
    if (tty_) {
      fmt::print("\r\033[K{}", line);
      std::fflush(stdout);
      return;
    }
    // Plain output: about ten lines per epoch at most.
    const auto every = std::max<int64_t>(1, ctx_.steps_per_epoch / 10);
    if (static_cast<int64_t>(log.step % static_cast<uint64_t>(ctx_.steps_per_epoch)) / every !=
        last_plain_bucket_) {
      last_plain_bucket_ = static_cast<int64_t>(log.step % static_cast<uint64_t>(ctx_.steps_per_epoch)) / every;
      fmt::print("{}\n", line);
      std::fflush(stdout);
    }
  }

  void on_epoch(const EpochLog& log, Network&) override {
    if (quiet_) return;
    if (tty_) fmt::print("\r\033[K");
    fmt::print("epoch {}/{}: train loss {:.4f} acc {:.4f} | test loss {:.4f} acc {:.4f} | {:.1f}s, {:.0f} img/s\n",
               log.epoch + 1, ctx_.config->training.epochs, log.train.loss(), log.train.accuracy(), log.test.loss(),
               log.test.accuracy(), log.seconds, log.images_per_second);
    std::fflush(stdout);
  }

  void on_end(const RunEnd& end, Network&) override {
    if (quiet_) return;  // the caller reports the outcome
    if (tty_) fmt::print("\r\033[K");
    if (end.status == RunStatus::stopped_early) fmt::print("stopped early: {}\n", end.message);
    else if (end.status != RunStatus::completed)
      fmt::print(stderr, "run {}: {}\n", name_of(run_status_names, end.status), end.message);
    std::fflush(stdout);
  }

 private:
  bool quiet_, tty_;
  RunContext ctx_;
  uint64_t total_steps_ = 0;
  int64_t last_plain_bucket_ = -1;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

std::unique_ptr<TrainingObserver> make_console_progress(bool quiet) { return std::make_unique<ConsoleProgress>(quiet); }

}  // namespace expt
