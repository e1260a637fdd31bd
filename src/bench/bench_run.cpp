#include "bench/bench_run.hpp"

#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "bench/machine_roofline.hpp"
#include "bench/timing_stats.hpp"
#include "core/error.hpp"
#include "data/batch_loader.hpp"
#include "data/dataset.hpp"
#include "experiment/network_setup.hpp"

namespace expt {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double load_average() {
  double one_minute = 0;
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &one_minute) != 1) one_minute = 0;
    std::fclose(f);
  }
  return one_minute;
}

// The widest vectors the backend's code runs with: the CPU's level, capped by any level among its
// code paths (ONEDNN_MAX_CPU_ISA=AVX2 caps an AVX-512 machine at AVX2), so the floor is the one
// of the code that actually runs.
VectorIsa widest_vectors(const std::vector<CodePath>& paths) {
  VectorIsa widest = cpu_vector_isa();
  for (const CodePath& path : paths)
    for (const auto& level : vector_isa_names)
      if (path.choice == level.name) widest = std::min(widest, level.value);
  return widest;
}

int64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

// Normal-ish pixels and uniform labels: the step's cost does not depend on the values.
struct SyntheticBatch {
  std::vector<float> images;
  std::vector<int32_t> labels;
  SyntheticBatch(const NetworkPlan& plan, int64_t n) : images(static_cast<size_t>(n * plan.input.size())) {
    std::mt19937 random(1);
    std::normal_distribution<float> pixel(0.0f, 1.0f);
    for (float& x : images) x = pixel(random);
    std::uniform_int_distribution<int32_t> label(0, static_cast<int32_t>(plan.classes - 1));
    for (int64_t i = 0; i < n; ++i) labels.push_back(label(random));
  }
  HostBatch host() const { return HostBatch{static_cast<int64_t>(labels.size()), images, labels}; }
};

// The trainer's loader (data.augment included) asked for batches as fast as it makes them:
// the time per batch from start_epoch to the last one is its throughput when the backend
// never makes it wait; the trainer overlaps it with the step on its own thread.
void time_data_loading(const ExperimentConfig& config, BenchResult& result) {
  const auto start = Clock::now();
  const Dataset data = load_dataset(config.data, config.seed);
  result.data_load_s = ms_since(start) / 1000.0;
  const int64_t batch = config.training.batch_size;
  const int64_t batches = std::min<int64_t>(20, data.train.size() / batch);
  if (batches < 1) return;
  std::vector<int64_t> order(static_cast<size_t>(data.train.size()));
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  std::shuffle(order.begin(), order.end(), std::mt19937(2));
  TrainBatchLoader loader(data, config.data, batch, config.seed);
  const auto first = Clock::now();
  loader.start_epoch(0, order);
  for (int64_t b = 0; b < batches; ++b) loader.next();
  result.batch_assembly_ms = ms_since(first) / static_cast<double>(batches);
}

}  // namespace

BenchResult run_bench(const BenchRequest& request) {
  const ExperimentConfig& config = request.config;
  BenchResult result;
  result.config_name = config.name;
  result.precision = name_of(precision_names, config.precision);
  result.data_note = request.data_note;
  result.batch = config.training.batch_size;
  result.steps = request.steps;
  result.warmup = request.warmup;

  result.machine.load_average = load_average();
  const NetworkPlan plan = plan_network(config);
  result.input = plan.input;
  result.classes = plan.classes;
  const int slots = optimizer_state_slots(config.training.optimizer.kind);
  result.budget = memory_budget(plan, result.batch, slots);

  NetworkOptions options = network_options(config, result.batch);
  options.profile = true;
  auto backend = backend_for(config, plan, options);
  result.backend = backend->name();
  result.device = backend->device_description(config.threads);
  result.code_paths = backend->code_paths();
  const auto net = backend->build(plan, options);
  result.network_bytes = net->memory_bytes();

  const SyntheticBatch batch(plan, result.batch);
  const double lr = config.training.optimizer.learning_rate;
  uint64_t step = 0;
  const auto train_step = [&] {
    net->forward(batch.host(), Phase::train, step);
    net->backward();
    net->update(lr, step + 1);
    ++step;
  };
  for (int64_t i = 0; i < request.warmup; ++i) train_step();
  net->reset_timings();
  for (int64_t i = 0; i < request.steps; ++i) {
    const auto start = Clock::now();
    train_step();
    result.step_ms.push_back(ms_since(start));
  }
  result.peak_rss_bytes = peak_rss_bytes();

  // The machine after the peak resident memory is read: the triad's 384 MB of arrays would
  // otherwise set the peak of a small network.
  MachineNumbers& machine = result.machine;
  machine.threads = config.threads > 0 ? static_cast<int>(config.threads) : omp_get_num_procs();
  machine.fp32_peak_gflops = measure_fp32_peak_gflops(machine.threads, widest_vectors(result.code_paths));
  machine.bf16_peak_gflops = measure_bf16_peak_gflops(machine.threads);
  machine.triad_gbytes_per_second = measure_triad_gbytes_per_second(machine.threads);
  const bool bf16 = config.precision == Precision::bf16 && machine.bf16_peak_gflops > 0;
  result.floor = step_floor(plan, result.batch, slots, bf16 ? machine.bf16_peak_gflops : machine.fp32_peak_gflops,
                            machine.triad_gbytes_per_second);

  result.median_ms = median(result.step_ms);
  for (const double ms : result.step_ms) result.mean_ms += ms / static_cast<double>(result.step_ms.size());
  result.min_ms = *std::min_element(result.step_ms.begin(), result.step_ms.end());
  result.max_ms = *std::max_element(result.step_ms.begin(), result.step_ms.end());
  result.images_per_second = static_cast<double>(result.batch) / (result.median_ms / 1000.0);
  result.achieved_gflops = plan.train_flops() * static_cast<double>(result.batch) / (result.median_ms / 1000.0) / 1e9;
  const double peak = bf16 ? machine.bf16_peak_gflops : machine.fp32_peak_gflops;
  result.peak_fraction = peak > 0 ? result.achieved_gflops / peak : 0;
  const auto steps = static_cast<double>(request.steps);
  for (LayerTiming t : net->timings()) {
    t.forward_ms /= steps;
    t.backward_data_ms /= steps;
    t.backward_weights_ms /= steps;
    t.calls = static_cast<int64_t>(static_cast<double>(t.calls) / steps + 0.5);
    result.layers.push_back(t);
  }
  for (size_t i = 0; i < plan.layers.size() && i < result.layers.size(); ++i) {
    const LayerTiming& t = result.layers[i];
    if (plan.layers[i].spec.kind == LayerKind::batch_norm)
      result.batch_norm_ms += t.forward_ms + t.backward_data_ms + t.backward_weights_ms;
  }
  result.batch_norm_bytes = batch_norm_traffic_bytes(plan, result.batch, config.precision == Precision::bf16 ? 2 : 4);
  if (machine.triad_gbytes_per_second > 0)
    result.batch_norm_floor_ms = 1000.0 * result.batch_norm_bytes / (machine.triad_gbytes_per_second * 1e9);
  if (request.data_present) time_data_loading(config, result);
  return result;
}

}  // namespace expt
