#include "sweep/estimate.hpp"

#include <map>
#include <utility>

#include <fmt/format.h>

#include "backends/registry.hpp"
#include "config/flatten_config.hpp"
#include "data/dataset.hpp"
#include "layers/network_plan.hpp"

namespace expt {
namespace {

// Images per split after limits and held-out splits; the data set's keys are the cache key.
std::pair<int64_t, int64_t> image_counts(const ExperimentConfig& config,
                                         std::map<std::string, std::pair<int64_t, int64_t>>& cache) {
  std::string key;
  for (const auto& [k, v] : flatten_config_text(config.resolved_yaml))
    if (k.starts_with("data.")) key += k + "=" + v + "\n";
  auto it = cache.find(key);
  if (it == cache.end()) {
    const Dataset data = load_dataset(config.data, config.seed);
    it = cache.emplace(key, std::pair{data.train.size(), data.test.size()}).first;
  }
  return it->second;
}

std::string duration(double seconds) {
  if (seconds < 90) return fmt::format("{:.0f}s", seconds);
  if (seconds < 90 * 60) return fmt::format("{:.0f}m", seconds / 60);
  return fmt::format("{:.1f}h", seconds / 3600);
}

std::string resolved_backend(const std::string& name) {
  try {
    return make_backend(name)->name();
  } catch (const std::exception&) {
    return name;  // not usable here: the run would fail; the estimate still says what it assumed
  }
}

}  // namespace

double assumed_gflops(const std::string& backend) {
  // Measured: reference ~2, onednn ~140 (AVX-512, 2 threads, the Fashion-MNIST network);
  // onednn is rounded down for machines shared with other work.
  if (backend == "reference") return 2;
  if (backend == "cudnn") return 5000;
  return 120;
}

std::string describe_dry_run(const SweepPlan& plan, const Manifest* recorded, double gflops) {
  std::map<std::string, std::pair<int64_t, int64_t>> counts;
  std::map<std::string, std::string> backends;
  std::string out = fmt::format("sweep {}: {} members in {}{}\n", plan.name, plan.members.size(), plan.dir.string(),
                                plan.duplicates ? fmt::format(" ({} duplicate points dropped)", plan.duplicates) : "");
  out += fmt::format("{:<16}  {:<11}  {:>6}  {:>8}  {:>9}  {:>7}  {}\n", "id", "state", "epochs", "images", "TFLOP",
                     "time", "parameters");
  double total_seconds = 0, total_flops = 0;
  std::string assumption;
  for (const auto& m : plan.members) {
    const ExperimentConfig& c = m.config;
    const auto [train, test] = image_counts(c, counts);
    const NetworkPlan net = plan_network(c);
    const double epochs = static_cast<double>(c.training.epochs);
    // Training steps, plus the whole-test-set evaluation after every epoch.
    const double flops = epochs * (net.train_flops() * static_cast<double>(train) + net.forward_flops() * static_cast<double>(test));
    auto [bit, added] = backends.try_emplace(c.backend);
    if (added) bit->second = resolved_backend(c.backend);
    const double rate = (gflops > 0 ? gflops : assumed_gflops(bit->second)) * 1e9;
    const double seconds = flops / rate;
    if (assumption.empty()) assumption = fmt::format("{} GFLOP/s on {}", rate / 1e9, bit->second);
    std::string state = "pending";
    if (recorded)
      for (const auto& r : recorded->members)
        if (r.id == m.id) state = to_string(r.state);
    out += fmt::format("{:<16}  {:<11}  {:>6}  {:>8}  {:>9.2f}  {:>7}  {}\n", m.id, state, c.training.epochs, train,
                       flops / 1e12, duration(seconds), describe(m.parameters));
    total_seconds += state == "done" ? 0 : seconds;
    total_flops += flops;
  }
  out += fmt::format("total {:.1f} TFLOP; about {} of training left at an assumed {} (--gflops to change; "
                     "--jobs shares the same cores, so it does not shorten this)\n",
                     total_flops / 1e12, duration(total_seconds), assumption);
  return out;
}

}  // namespace expt
