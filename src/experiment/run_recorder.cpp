#include "experiment/run_recorder.hpp"

#include <sys/resource.h>

#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "experiment/checkpoint.hpp"

namespace expt {

int64_t peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

class RunRecorder final : public TrainingObserver {
 public:
  RunRecorder(Report& report, std::filesystem::path run_dir) : report_(report), run_dir_(std::move(run_dir)) {}

  void on_start(const RunContext& ctx, Network&) override {
    ctx_ = ctx;
    write();
  }

  void on_log(const StepLog& log, Network&) override {
    report_.steps.push_back({log.step, log.learning_rate, log.train.loss(), log.train.accuracy(), log.test.loss(),
                             log.test.accuracy()});
  }

  void on_epoch(const EpochLog& log, Network& net) override {
    report_.epochs.push_back({log.epoch + 1, log.step, log.learning_rate, log.train.loss(), log.train.accuracy(),
                              log.test.loss(), log.test.accuracy(), log.seconds, log.images_per_second});
    report_.train_seconds += log.seconds - log.eval_seconds;
    report_.eval_seconds += log.eval_seconds;
    // The report first, then the checkpoint: killed between the two, the report is one epoch
    // ahead, and --resume drops what the checkpoint does not have and trains it again. The other
    // order would leave a checkpoint past the report, and the resumed run would lack that epoch.
    write();
    const TrainingConfig& tc = ctx_.config->training;
    const int64_t done = log.epoch + 1;
    const bool due = tc.checkpoint_every_epochs > 0 && done % tc.checkpoint_every_epochs == 0;
    if (due || done == tc.epochs)
      save_checkpoint(run_dir_ / "checkpoints" / "last.safetensors", net, tc.optimizer.kind,
                      CheckpointInfo{log.step, done, report_.config_hash});
  }

  void on_end(const RunEnd& end, Network&) override {
    report_.status = end.status;
    report_.message = end.message;
    write();
  }

 private:
  void write() {
    report_.peak_resident_bytes = peak_resident_bytes();
    report_.finished_at = utc_now_iso8601();
    write_report(run_dir_ / "report.json", report_);
  }

  Report& report_;
  std::filesystem::path run_dir_;
  RunContext ctx_;
};

}  // namespace

std::unique_ptr<TrainingObserver> make_run_recorder(Report& report, const std::filesystem::path& run_dir) {
  return std::make_unique<RunRecorder>(report, run_dir);
}

}  // namespace expt
