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
    const int64_t done = log.epoch + 1;
    if (log.new_best) report_.best_checkpoint_epoch = done;
    // The report first, then the checkpoints: killed between them, the report is ahead, and
    // --resume drops what the last checkpoint does not have and trains it again. The other order
    // would leave a checkpoint past the report, and the resumed run would lack that epoch. The
    // best checkpoint goes before the last one, so that last never holds an epoch whose best
    // weights were not kept; a best one ahead of last is written again when its epoch is retrained.
    write();
    const TrainingConfig& tc = ctx_.config->training;
    if (log.new_best) save(best_path(), net, CheckpointInfo{log.step, done, report_.config_hash}, false);
    const bool due = tc.checkpoint_every_epochs > 0 && done % tc.checkpoint_every_epochs == 0;
    if (due || log.last) save(last_path(), net, CheckpointInfo{log.step, done, report_.config_hash}, true);
    if (tc.checkpoint_keep_every_epochs > 0 && done % tc.checkpoint_keep_every_epochs == 0)
      save(run_dir_ / "checkpoints" / fmt::format("epoch-{}.safetensors", done), net,
           CheckpointInfo{log.step, done, report_.config_hash}, false);
  }

  void on_end(const RunEnd& end, Network& net) override {
    report_.status = end.status;
    report_.message = end.message;
    if (restores_best(end)) restore_best(end, net);
    write();
  }

 private:
  std::filesystem::path best_path() const { return run_dir_ / "checkpoints" / "best.safetensors"; }
  std::filesystem::path last_path() const { return run_dir_ / "checkpoints" / "last.safetensors"; }

  void save(const std::filesystem::path& path, const Network& net, const CheckpointInfo& info, bool with_optimizer) {
    save_checkpoint(path, net, ctx_.config->training.optimizer.kind, info, with_optimizer);
  }

  bool restores_best(const RunEnd& end) const {
    const EarlyStoppingConfig& stopping = ctx_.config->training.early_stopping;
    return stopping.enabled && stopping.restore_best && report_.best_checkpoint_epoch > 0 &&
           (end.status == RunStatus::completed || end.status == RunStatus::stopped_early);
  }

  // The run ends with the best epoch's weights: the network gets them back from best.safetensors,
  // and last.safetensors, the weights a user takes from the run, becomes a copy of them. It keeps
  // no optimizer state: a finished run is not trained further.
  void restore_best(const RunEnd& end, Network& net) {
    load_checkpoint(best_path(), net, ctx_.config->training.optimizer.kind);
    const auto done = static_cast<int64_t>(report_.epochs.size());
    save(last_path(), net, CheckpointInfo{end.step, done, report_.config_hash}, false);
    report_.final_weights_epoch = report_.best_checkpoint_epoch;
  }

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
