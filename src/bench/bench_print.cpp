// `expt bench` output: a text summary for people, one JSON object for scripts (--json).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "bench/bench_run.hpp"

namespace expt {

namespace {

double mib(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

double layer_total(const LayerTiming& t) { return t.forward_ms + t.backward_data_ms + t.backward_weights_ms; }

}  // namespace

void print_bench_text(const BenchResult& r) {
  const MachineNumbers& m = r.machine;
  fmt::print("{}: backend {} ({}), {}, batch {}\n", r.config_name, r.backend, r.device, r.precision, r.batch);
  if (!r.code_paths.empty()) {
    std::string paths;
    for (const CodePath& p : r.code_paths) paths += fmt::format("{}{} {}", paths.empty() ? "" : ", ", p.what, p.choice);
    fmt::print("code paths: {}\n", paths);
  }
  if (!r.data_note.empty()) fmt::print("data: {}\n", r.data_note);
  fmt::print("machine: {} threads, fp32 peak {:.0f} GFLOP/s, bf16 peak {:.0f} GFLOP/s, triad {:.1f} GB/s, "
             "load average {:.2f}\n\n",
             m.threads, m.fp32_peak_gflops, m.bf16_peak_gflops, m.triad_gbytes_per_second, m.load_average);
  fmt::print("step          {:8.1f} ms median, {:.1f} min, {:.1f} max ({} steps after {} warm-up)\n", r.median_ms,
             r.min_ms, r.max_ms, r.steps, r.warmup);
  // FLOPs are counted as direct convolution and plain matrix products do them; Winograd
  // convolutions do fewer multiplications, so the effective rate can pass the peak.
  fmt::print("throughput    {:8.1f} images/s, {:.0f} GFLOP/s direct-equivalent ({:.0f}% of peak)\n",
             r.images_per_second, r.achieved_gflops, 100.0 * r.peak_fraction);
  fmt::print("roofline      {:8.1f} ms floor = {:.1f} GFLOP / peak ({:.1f} ms) + {:.2f} GB / triad ({:.1f} ms); "
             "step = {:.2f} x floor\n",
             1000.0 * r.floor.seconds(), r.floor.flops / 1e9, 1000.0 * r.floor.compute_s, r.floor.bytes / 1e9,
             1000.0 * r.floor.memory_s, r.median_ms / (1000.0 * r.floor.seconds()));
  if (r.median_ms < 1000.0 * r.floor.seconds())
    fmt::print("              (below 1: fewer operations than the direct count, e.g. Winograd convolutions)\n");
  const MemoryBudget& b = r.budget;
  fmt::print("memory        {:8.0f} MiB sum (parameters {:.0f} + gradients {:.0f} + optimizer state {:.0f} + "
             "activations {:.0f}); network holds {:.0f} MiB; peak RSS {:.0f} MiB = {:.2f} x sum\n",
             mib(b.total()), mib(b.parameters), mib(b.gradients), mib(b.optimizer_state), mib(b.activations),
             mib(r.network_bytes), mib(r.peak_rss_bytes),
             static_cast<double>(r.peak_rss_bytes) / static_cast<double>(b.total()));
  if (r.batch_norm_bytes > 0 && r.batch_norm_floor_ms > 0)
    fmt::print("batch norm    {:8.1f} ms ({:.0f}% of the mean step) = {:.2f} x its traffic floor ({:.2f} GB / triad, "
               "{:.1f} ms)\n",
               r.batch_norm_ms, 100.0 * r.batch_norm_ms / r.mean_ms, r.batch_norm_ms / r.batch_norm_floor_ms,
               r.batch_norm_bytes / 1e9, r.batch_norm_floor_ms);
  if (r.batch_assembly_ms >= 0)
    fmt::print("data loading  {:8.1f} ms per batch with the trainer's loader (overlapped with the step); "
               "data set loaded in {:.1f} s\n",
               r.batch_assembly_ms, r.data_load_s);

  fmt::print("\nper step: means over the timed steps (mean step {:.1f} ms)\n", r.mean_ms);
  fmt::print("{:<16} {:>9} {:>9} {:>9} {:>9} {:>6}  {}\n", "ms", "forward", "bwd-data", "bwd-wts", "total", "share",
             "kernels");
  double accounted = 0;
  const LayerTiming* slowest = nullptr;
  for (const LayerTiming& t : r.layers) {
    const double total = layer_total(t);
    if (total <= 0) continue;
    accounted += total;
    const bool is_layer = t.layer != "optimizer" && t.layer != "loss" && t.layer != "reorders";
    if (is_layer && (slowest == nullptr || total > layer_total(*slowest))) slowest = &t;
    std::string name = t.layer;
    if (t.layer == "optimizer") name = "optimizer update";
    if (t.layer == "reorders") name = fmt::format("reorders ({}x)", t.calls);
    fmt::print("{:<16} {:9.2f} {:9.2f} {:9.2f} {:9.2f} {:5.1f}%  {}\n", name, t.forward_ms, t.backward_data_ms,
               t.backward_weights_ms, total, 100.0 * total / r.mean_ms, t.kernels);
  }
  fmt::print("{:<16} {:>9} {:>9} {:>9} {:9.2f} {:5.1f}%\n", "not in layers", "", "", "", r.mean_ms - accounted,
             100.0 * (r.mean_ms - accounted) / r.mean_ms);
  if (slowest != nullptr) fmt::print("slowest layer: {} ({:.1f} ms)\n", slowest->layer, layer_total(*slowest));
}

std::string bench_json(const BenchResult& r) {
  using nlohmann::json;
  json code_paths = json::object();
  for (const CodePath& p : r.code_paths) code_paths[p.what] = p.choice;
  json layers = json::array();
  for (const LayerTiming& t : r.layers)
    layers.push_back({{"name", t.layer},
                      {"forward_ms", t.forward_ms},
                      {"backward_data_ms", t.backward_data_ms},
                      {"backward_weights_ms", t.backward_weights_ms},
                      {"calls_per_step", t.calls},
                      {"kernels", t.kernels}});
  const json j = {
      {"config", r.config_name},
      {"backend", r.backend},
      {"device", r.device},
      {"code_paths", code_paths},
      {"precision", r.precision},
      {"data_note", r.data_note},
      {"batch", r.batch},
      {"input", {r.input.c, r.input.h, r.input.w}},
      {"classes", r.classes},
      {"steps", r.steps},
      {"warmup", r.warmup},
      {"step_ms",
       {{"median", r.median_ms}, {"min", r.min_ms}, {"max", r.max_ms}, {"mean", r.mean_ms}, {"all", r.step_ms}}},
      {"images_per_second", r.images_per_second},
      {"achieved_gflops", r.achieved_gflops},
      {"peak_fraction", r.peak_fraction},
      {"machine",
       {{"threads", r.machine.threads},
        {"fp32_peak_gflops", r.machine.fp32_peak_gflops},
        {"bf16_peak_gflops", r.machine.bf16_peak_gflops},
        {"triad_gbytes_per_second", r.machine.triad_gbytes_per_second},
        {"load_average", r.machine.load_average}}},
      {"roofline",
       {{"flops", r.floor.flops},
        {"bytes", r.floor.bytes},
        {"compute_ms", 1000.0 * r.floor.compute_s},
        {"memory_ms", 1000.0 * r.floor.memory_s},
        {"floor_ms", 1000.0 * r.floor.seconds()},
        {"step_over_floor", r.median_ms / (1000.0 * r.floor.seconds())}}},
      {"memory",
       {{"parameters_bytes", r.budget.parameters},
        {"gradients_bytes", r.budget.gradients},
        {"optimizer_state_bytes", r.budget.optimizer_state},
        {"activations_bytes", r.budget.activations},
        {"sum_bytes", r.budget.total()},
        {"network_bytes", r.network_bytes},
        {"peak_rss_bytes", r.peak_rss_bytes},
        {"peak_rss_over_sum", static_cast<double>(r.peak_rss_bytes) / static_cast<double>(r.budget.total())}}},
      {"batch_norm",
       r.batch_norm_bytes > 0 ? json{{"ms", r.batch_norm_ms},
                                     {"bytes", r.batch_norm_bytes},
                                     {"floor_ms", r.batch_norm_floor_ms},
                                     {"over_floor", r.batch_norm_floor_ms > 0 ? r.batch_norm_ms / r.batch_norm_floor_ms : 0.0}}
                              : json(nullptr)},
      {"data_loading",
       r.batch_assembly_ms >= 0 ? json{{"batch_ms", r.batch_assembly_ms}, {"load_s", r.data_load_s}} : json(nullptr)},
      {"layers", layers}};
  return j.dump(2);
}

}  // namespace expt
