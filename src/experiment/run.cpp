#include "experiment/run.hpp"

#include <chrono>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "config/enum_names.hpp"
#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "core/interrupt.hpp"
#include "data/dataset.hpp"
#include "experiment/checkpoint.hpp"
#include "experiment/console_progress.hpp"
#include "experiment/git_commit.hpp"
#include "experiment/init_from_weights.hpp"
#include "experiment/memory_check.hpp"
#include "experiment/network_setup.hpp"
#include "experiment/run_recorder.hpp"
#include "core/safetensors.hpp"
#include "tensorboard/tensorboard_observer.hpp"
#include "training/trainer.hpp"

namespace expt {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The data set, refused when it cannot make one training batch or has nothing to test on.
Dataset load_training_data(const ExperimentConfig& config) {
  Dataset data = load_dataset(config.data, config.seed);
  const int64_t batch_size = config.training.batch_size;
  if (data.train.size() / batch_size == 0)
    throw ConfigError(fmt::format("training.batch_size {} is larger than the {} training examples", batch_size,
                                  data.train.size()));
  if (data.test.size() == 0) throw DataError(fmt::format("data set '{}' has no test examples", data.name));
  return data;
}

// History recorded after the checkpoint we resume from belongs to work that will be redone.
// The recorder writes the report before the checkpoint, so the report is never behind it; when
// it is (written by an older expt, or edited), resuming would leave a hole in the epochs.
void truncate_history(Report& report, const CheckpointInfo& info, const std::filesystem::path& run_dir) {
  const int64_t recorded = report.epochs.empty() ? 0 : report.epochs.back().epoch;
  if (recorded < info.epochs_done)
    throw ReadError(fmt::format("{}: report.json records {} epochs but the checkpoint has {}: the missing epochs "
                                "cannot be recovered; start the run again",
                                run_dir.string(), recorded, info.epochs_done));
  std::erase_if(report.epochs, [&](const EpochRecord& e) { return e.epoch > info.epochs_done; });
  std::erase_if(report.steps, [&](const StepRecord& s) { return s.step > info.step; });
}

// The preprocessing the weights were trained with: evaluating a checkpoint later needs it.
void save_normalization(const std::filesystem::path& path, const Normalization& norm, Shape shape) {
  safetensors::File file;
  file.metadata["kind"] = norm.kind;
  auto tensor = [&](const std::vector<float>& values) {
    safetensors::Tensor t{"F32", {shape.c, shape.h, shape.w}, std::vector<std::byte>(values.size() * sizeof(float))};
    std::memcpy(t.data.data(), values.data(), t.data.size());
    return t;
  };
  file.tensors["mean"] = tensor(norm.mean);
  file.tensors["inv_std"] = tensor(norm.inv_std);
  safetensors::write(path, file);
}

// Resuming: the run's report and the network's state from its last checkpoint, which must come
// from the same config. Returns where training continues.
TrainerStart resume_run(const std::filesystem::path& run_dir, const ExperimentConfig& config,
                        const std::string& config_hash, Network& net, Report& report) {
  remove_abandoned_temporaries(run_dir);  // left by a kill during an atomic write
  report = read_report(run_dir / "report.json");
  const CheckpointInfo info =
      load_checkpoint(run_dir / "checkpoints" / "last.safetensors", net, config.training.optimizer.kind);
  if (info.config_hash != config_hash)
    throw ConfigError(fmt::format("{} was trained with another config (hash {}, this one {})", run_dir.string(),
                                  info.config_hash, config_hash));
  truncate_history(report, info, run_dir);
  BestEpoch best(config.training);
  for (const auto& e : report.epochs) best.record(e.epoch, e.test_loss, e.test_accuracy);
  return TrainerStart{info.step, info.epochs_done, best};
}

// The best epoch so far, and final weights still to come from this start's training.
void describe_best(Report& report, const BestEpoch& best) {
  report.best_checkpoint_epoch = best.epoch();
  report.best_checkpoint_metric = name_of(config::epoch_metric_names, best.metric());
  report.final_weights_epoch = 0;
}

// A new run folder: the resolved config, the normalisation and, if asked, the untrained weights.
void start_run_folder(const std::filesystem::path& run_dir, const ExperimentConfig& config,
                      const std::string& config_hash, const Dataset& data, Network& net) {
  write_file_atomically(run_dir / "config.yaml", config.resolved_yaml);
  save_normalization(run_dir / "normalization.safetensors", data.normalization, data.train.shape);
  if (config.training.checkpoint_initial)
    save_checkpoint(run_dir / "checkpoints" / "step-0.safetensors", net, config.training.optimizer.kind,
                    CheckpointInfo{0, 0, config_hash}, /*include_optimizer=*/false);
}

// What identifies a new run; a resumed run keeps these from its first start.
Report first_report(const std::filesystem::path& run_dir, const ExperimentConfig& config,
                    const std::string& config_hash, const std::string& started_at) {
  Report report;
  report.name = config.name;
  report.run_id = run_dir.filename().string();
  report.config_hash = config_hash;
  report.config_file = config.source.string();
  report.seed = config.seed;
  report.git_commit = git_commit();
  report.expt_version = EXPT_VERSION;
  report.started_at = started_at;
  return report;
}

// What this start of the run found: backend, model size and data. A resumed run may find
// another machine, so these are written on every start.
void describe_setup(Report& report, const Backend& backend, const NetworkPlan& plan, const Dataset& data,
                    const Network& net, const ExperimentConfig& config) {
  report.status = RunStatus::running;
  report.backend = backend.name();
  report.device = backend.device_description(config.threads);
  report.threads = backend.thread_count(config.threads);
  report.precision = name_of(precision_names, config.precision);
  report.parameters = plan.parameter_count();
  report.forward_flops_per_image = plan.forward_flops();
  report.train_examples = data.train.size();
  report.test_examples = data.test.size();
  report.class_names = data.class_names;
  report.skipped_files = data.skipped;
  report.data_files = data.load_stats.files;
  report.data_decoded = data.load_stats.decoded;
  report.data_cache = data.load_stats.cache;
  report.data_load_seconds = data.load_stats.seconds;
  report.network_memory_bytes = net.memory_bytes();
}

// Console progress, the run recorder (report.json, checkpoints) and TensorBoard when enabled,
// told of each event in that order.
std::vector<std::unique_ptr<TrainingObserver>> make_observers(const ExperimentConfig& config, const RunOptions& options,
                                                              Report& report, const std::filesystem::path& run_dir) {
  std::vector<std::unique_ptr<TrainingObserver>> observers;
  observers.push_back(make_console_progress(options.quiet));
  observers.push_back(make_run_recorder(report, run_dir));
  if (config.tensorboard.enabled) observers.push_back(make_tensorboard_observer(options.session_hparams));
  return observers;
}

// train() with Ctrl-C handled. When training throws, every observer still gets on_end with
// `failed` at the last logged step (from `report`), so each closes its files with what was
// gathered, and the original error propagates.
RunEnd train_observed(Network& net, const RunContext& ctx, TrainerStart start,
                      const std::vector<std::unique_ptr<TrainingObserver>>& owned, const Report& report) {
  std::vector<TrainingObserver*> observers;
  for (const auto& o : owned) observers.push_back(o.get());
  install_interrupt_handler();
  try {
    return train(net, ctx, start, observers);
  } catch (const std::exception& e) {
    const RunEnd failed{RunStatus::failed, e.what(), report.steps.empty() ? start.step : report.steps.back().step};
    for (auto* o : observers) {
      try {
        o->on_end(failed, net);
      } catch (const std::exception&) {
        // The original error is the one to report.
      }
    }
    throw;
  }
}

}  // namespace

std::filesystem::path new_run_dir(const ExperimentConfig& config, const std::string& config_hash) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  const auto base = config.results_dir / config.name / fmt::format("{}-{}", stamp, config_hash.substr(0, 8));
  auto dir = base;
  for (int i = 2; std::filesystem::exists(dir); ++i) dir = fmt::format("{}-{}", base.string(), i);
  return dir;
}

RunOutcome run_experiment(const ExperimentConfig& config, const RunOptions& options) {
  if (!options.resume_dir.empty()) {
    // Stopping early is the run's decision, not an accident to recover from: it stays finished.
    Report finished = read_report(options.resume_dir / "report.json");
    if (finished.status == RunStatus::stopped_early)
      return RunOutcome{options.resume_dir, std::move(finished), ExitCode::ok};
  }
  const auto t0 = Clock::now();
  const std::string started_at = utc_now_iso8601();
  const std::string config_hash = hex64(fnv1a64(config.resolved_yaml));

  // Everything that can fail on bad input happens before the run folder exists, and what this
  // machine cannot run is refused before the data set is loaded.
  const TrainingConfig& tc = config.training;
  const NetworkPlan plan = plan_network(config);
  const NetworkOptions net_options = network_options(config, std::max(tc.batch_size, tc.eval_batch_size));
  auto backend = backend_for(config, plan, net_options);
  check_memory_fits(config, plan, backend->name(), options.ignore_memory_limit);
  const Dataset data = load_training_data(config);
  auto net = backend->build(plan, net_options);

  RunOutcome outcome;
  Report& report = outcome.report;
  TrainerStart start{0, 0, BestEpoch(tc)};
  if (!options.resume_dir.empty()) {
    outcome.run_dir = options.resume_dir;
    start = resume_run(outcome.run_dir, config, config_hash, *net, report);
  } else {
    outcome.run_dir = options.run_dir.empty() ? new_run_dir(config, config_hash) : options.run_dir;
    if (!config.init_from.path.empty()) load_init_from(config.init_from, *net);
    start_run_folder(outcome.run_dir, config, config_hash, data, *net);
    report = first_report(outcome.run_dir, config, config_hash, started_at);
  }
  start.pause_after = options.pause_after_epochs;
  describe_setup(report, *backend, plan, data, *net, config);
  describe_best(report, start.best);
  report.setup_seconds += seconds_since(t0);

  const int64_t steps_per_epoch = data.train.size() / config.training.batch_size;
  const RunContext ctx{&config, &plan, &data, outcome.run_dir, backend->name(), report.device, steps_per_epoch,
                       start.step};
  const auto observers = make_observers(config, options, report, outcome.run_dir);
  const RunEnd end = train_observed(*net, ctx, start, observers, report);
  report.total_seconds += seconds_since(t0);
  write_report(outcome.run_dir / "report.json", report);
  outcome.exit_code = end.status == RunStatus::completed || end.status == RunStatus::stopped_early ||
                              end.status == RunStatus::paused
                          ? ExitCode::ok
                      : end.status == RunStatus::diverged ? ExitCode::diverged
                                                          : ExitCode::interrupted;
  return outcome;
}

}  // namespace expt
