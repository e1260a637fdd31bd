#include "experiment/run.hpp"

#include <chrono>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "backends/registry.hpp"
#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "core/interrupt.hpp"
#include "data/dataset.hpp"
#include "experiment/checkpoint.hpp"
#include "experiment/console_progress.hpp"
#include "experiment/memory_check.hpp"
#include "experiment/git_commit.hpp"
#include "experiment/run_recorder.hpp"
#include "experiment/safetensors.hpp"
#include "experiment/trainer.hpp"
#include "tensorboard/tensorboard_observer.hpp"

namespace expt {
namespace {

using Clock = std::chrono::steady_clock;

void check_backend_supports(const Backend& backend, const NetworkPlan& plan, const NetworkOptions& options) {
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    const std::string why = backend.unsupported_reason(plan.layers[i].spec, options);
    if (!why.empty())
      throw BackendError(fmt::format("backend '{}' cannot run model.layers[{}] ('{}'): {}", backend.name(), i,
                                     plan.layers[i].spec.name, why));
  }
}

// History recorded after the checkpoint we resume from belongs to work that will be redone.
void truncate_history(Report& report, const CheckpointInfo& info) {
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
  const auto t0 = Clock::now();
  const std::string started_at = utc_now_iso8601();
  const std::string config_hash = hex64(fnv1a64(config.resolved_yaml));

  // Everything that can fail on bad input happens before the run folder exists.
  const Dataset data = load_dataset(config.data, config.seed);
  const TrainingConfig& tc = config.training;
  const int64_t steps_per_epoch = data.train.size() / tc.batch_size;
  if (steps_per_epoch == 0)
    throw ConfigError(fmt::format("training.batch_size {} is larger than the {} training examples", tc.batch_size,
                                  data.train.size()));
  if (data.test.size() == 0) throw DataError(fmt::format("data set '{}' has no test examples", data.name));

  auto backend = make_backend(config.backend);
  const NetworkPlan plan = plan_network(config.layers, config.input, config.classes);
  NetworkOptions net_options;
  net_options.optimizer = tc.optimizer;
  net_options.seed = config.seed;
  net_options.dropout = tc.dropout;
  net_options.max_batch = std::max(tc.batch_size, tc.eval_batch_size);
  net_options.precision = config.precision;
  net_options.threads = config.threads;
  net_options.gpu = config.gpu;
  check_backend_supports(*backend, plan, net_options);
  check_memory_fits(config, plan, backend->name(), options.ignore_memory_limit);
  auto net = backend->build(plan, net_options);

  RunOutcome outcome;
  Report& report = outcome.report;
  TrainerStart start;
  if (!options.resume_dir.empty()) {
    outcome.run_dir = options.resume_dir;
    report = read_report(outcome.run_dir / "report.json");
    const CheckpointInfo info = load_checkpoint(outcome.run_dir / "checkpoints" / "last.safetensors", *net, tc.optimizer.kind);
    if (info.config_hash != config_hash)
      throw ConfigError(fmt::format("{} was trained with another config (hash {}, this one {})", outcome.run_dir.string(),
                                    info.config_hash, config_hash));
    truncate_history(report, info);
    start = TrainerStart{info.step, info.epochs_done};
  } else {
    outcome.run_dir = options.run_dir.empty() ? new_run_dir(config, config_hash) : options.run_dir;
    report.name = config.name;
    report.run_id = outcome.run_dir.filename().string();
    report.config_hash = config_hash;
    report.config_file = config.source.string();
    report.seed = config.seed;
    report.git_commit = git_commit();
    report.expt_version = EXPT_VERSION;
    report.started_at = started_at;
    write_file_atomically(outcome.run_dir / "config.yaml", config.resolved_yaml);
    save_normalization(outcome.run_dir / "normalization.safetensors", data.normalization, data.train.shape);
    if (tc.checkpoint_initial)
      save_checkpoint(outcome.run_dir / "checkpoints" / "step-0.safetensors", *net, tc.optimizer.kind,
                      CheckpointInfo{0, 0, config_hash}, /*include_optimizer=*/false);
  }
  report.status = "running";
  report.backend = backend->name();
  report.device = backend->device_description(config.threads);
  report.threads = backend->thread_count(config.threads);
  report.precision = config.precision;
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
  report.network_memory_bytes = net->memory_bytes();
  report.setup_seconds += std::chrono::duration<double>(Clock::now() - t0).count();

  RunContext ctx{&config, &plan, &data, outcome.run_dir, backend->name(), report.device, steps_per_epoch, start.step};
  auto console = make_console_progress(options.quiet);
  auto recorder = make_run_recorder(report, outcome.run_dir);
  std::vector<TrainingObserver*> observers{console.get(), recorder.get()};
  std::unique_ptr<TrainingObserver> tensorboard;
  if (config.tensorboard.enabled) {
    tensorboard = make_tensorboard_observer();
    observers.push_back(tensorboard.get());
  }

  install_interrupt_handler();
  RunEnd end;
  try {
    end = train(*net, ctx, start, observers);
  } catch (const std::exception& e) {
    // Keep what was gathered: every observer gets to close its files with status `failed`.
    const RunEnd failed{"failed", e.what(), report.steps.empty() ? start.step : report.steps.back().step};
    for (auto* o : observers) {
      try {
        o->on_end(failed, *net);
      } catch (const std::exception&) {
        // The original error is the one to report.
      }
    }
    throw;
  }
  report.total_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  write_report(outcome.run_dir / "report.json", report);
  outcome.exit_code = end.status == "completed" ? ExitCode::ok
                      : end.status == "diverged" ? ExitCode::diverged
                                                 : ExitCode::interrupted;
  return outcome;
}

}  // namespace expt
