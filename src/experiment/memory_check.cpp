#include "experiment/memory_check.hpp"

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <string_view>

#include <fmt/format.h>

#include "core/error.hpp"
#include "experiment/usable_memory.hpp"
#include "optim/optimizer_config.hpp"

namespace expt {

namespace {

constexpr double kFloatBytes = 4;
constexpr size_t kConsumersNamed = 3;

}  // namespace

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (b >= 1024 && u < 6) b /= 1024, ++u;
  return fmt::format("{:.1f} {}", b, units[u]);
}

std::vector<MemoryConsumer> memory_consumers(const ExperimentConfig& config, const NetworkPlan& plan) {
  const double batch = static_cast<double>(std::max(config.training.batch_size, config.training.eval_batch_size));
  const int slots = optimizer_state_slots(config.training.optimizer.kind);
  std::vector<MemoryConsumer> consumers;
  // Every tensor is held; only trainable ones have a gradient and optimizer state.
  consumers.push_back({"parameters, gradients and optimizer state",
                       kFloatBytes * (static_cast<double>(plan.stored_count()) +
                                      static_cast<double>(plan.parameter_count()) * (1 + slots))});
  consumers.push_back({"the input batch", kFloatBytes * static_cast<double>(plan.input.size()) * batch});
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    const PlannedLayer& l = plan.layers[i];
    consumers.push_back({fmt::format("model.layers[{}] '{}' activations ({} per image)", i, l.spec.name, l.out.str()),
                         kFloatBytes * static_cast<double>(l.out.size()) * batch});
  }
  std::stable_sort(consumers.begin(), consumers.end(), [](const auto& a, const auto& b) { return a.bytes > b.bytes; });
  return consumers;
}

void check_memory_fits(const ExperimentConfig& config, const NetworkPlan& plan, const std::string& backend,
                       bool ignore) {
  const char* variable = std::getenv(kIgnoreMemoryLimitVariable);
  if (ignore || backend == "cudnn" || (variable && std::string_view(variable) == "1")) return;
  const auto usable = usable_memory();
  if (!usable) return;
  const auto consumers = memory_consumers(config, plan);
  const double total = std::accumulate(consumers.begin(), consumers.end(), 0.0,
                                       [](double sum, const MemoryConsumer& c) { return sum + c.bytes; });
  if (total <= static_cast<double>(usable->bytes)) return;
  std::string largest;
  for (size_t i = 0; i < std::min(kConsumersNamed, consumers.size()); ++i)
    largest += fmt::format("\n  {} {}", human_bytes(consumers[i].bytes), consumers[i].what);
  throw ConfigError(fmt::format(
      "the network needs about {} for batch {} but this process may use {} ({}); the largest parts:{}\n"
      "Lower training.batch_size, training.eval_batch_size, data.image_size or the layer sizes; or pass "
      "--ignore-memory-limit (or set {}=1) to try anyway",
      human_bytes(total), std::max(config.training.batch_size, config.training.eval_batch_size),
      human_bytes(static_cast<double>(usable->bytes)), usable->source, largest, kIgnoreMemoryLimitVariable));
}

}  // namespace expt
