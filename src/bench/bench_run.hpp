#pragma once
// `expt bench`: time training steps of a config's network on synthetic input of its shape,
// measure the machine on the spot, and say how far the step is from its roofline floor.
#include <cstdint>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "bench/step_floor.hpp"
#include "config/experiment_config.hpp"

namespace expt {

struct BenchRequest {
  ExperimentConfig config;
  int64_t steps = 10, warmup = 3;
  // The config's data set can be read: also time batch assembly with the real loader.
  bool data_present = true;
  std::string data_note;  // how the plan was obtained when the data is absent
};

struct MachineNumbers {
  int threads = 0;
  double fp32_peak_gflops = 0, bf16_peak_gflops = 0, triad_gbytes_per_second = 0;
  double load_average = 0;  // 1-minute, when the bench started: the machine is shared
};

struct BenchResult {
  std::string config_name, backend, device, precision, data_note;
  std::vector<CodePath> code_paths;  // the instruction sets the backend's code runs with
  int64_t batch = 0, steps = 0, warmup = 0;
  Shape input;  // per image, as planned (C, H, W)
  int64_t classes = 0;
  std::vector<double> step_ms;  // each measured step, in order
  double median_ms = 0, min_ms = 0, max_ms = 0;
  double mean_ms = 0;  // what the per-layer means add up to
  double images_per_second = 0, achieved_gflops = 0, peak_fraction = 0;
  MachineNumbers machine;
  StepFloor floor;
  // Batch normalization layers together, per step: time (all directions) and the time their
  // memory traffic takes at the triad bandwidth (batch_norm_traffic_bytes); 0 without any.
  double batch_norm_ms = 0, batch_norm_bytes = 0, batch_norm_floor_ms = 0;
  MemoryBudget budget;
  int64_t network_bytes = 0;    // Network::memory_bytes()
  int64_t peak_rss_bytes = 0;   // getrusage ru_maxrss after the steps, before any data is loaded
  std::vector<LayerTiming> layers;  // per step (divided by steps); reorders' calls: executions per step
  double data_load_s = -1;      // loading the data set once (-1: not measured)
  double batch_assembly_ms = -1;  // assembling one training batch with the real loader
};

BenchResult run_bench(const BenchRequest& request);

void print_bench_text(const BenchResult& result);
std::string bench_json(const BenchResult& result);

}  // namespace expt
