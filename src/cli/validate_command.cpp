#include <fmt/format.h>

#include "cli/commands.hpp"
#include "config/shapes_only.hpp"
#include "experiment/memory_check.hpp"
#include "layers/network_plan.hpp"

namespace expt::cli {
namespace {

std::string human_count(double n) {
  if (n >= 1e9) return fmt::format("{:.2f}G", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.2f}M", n / 1e6);
  if (n >= 1e3) return fmt::format("{:.1f}k", n / 1e3);
  return fmt::format("{:.0f}", n);
}

}  // namespace

// The model as a table, checked before any training: what each layer produces and costs.
void print_model_table(const ExperimentConfig& config) {
  const NetworkPlan plan = plan_network(config.layers, config.input, config.classes);
  const int64_t batch = config.training.batch_size;
  fmt::print("{}: input {} per image, {} classes, batch {}\n\n", config.name, plan.input.str(), plan.classes, batch);
  fmt::print("{:<16} {:<9} {:>14} {:>12} {:>12} {:>14}\n", "layer", "type", "output", "params", "fwd FLOPs",
             "activations");
  for (const PlannedLayer& l : plan.layers) {
    int64_t params = 0;
    for (int p : l.params) params += plan.params[static_cast<size_t>(p)].size();
    fmt::print("{:<16} {:<9} {:>14} {:>12} {:>12} {:>14}\n", l.spec.name, to_string(l.spec.kind), l.out.str(),
               human_count(static_cast<double>(params)), human_count(l.forward_flops * static_cast<double>(batch)),
               human_bytes(4.0 * static_cast<double>(l.out.size() * batch)));
  }
  const double param_bytes = 4.0 * static_cast<double>(plan.parameter_count());
  const int slots = optimizer_state_slots(config.training.optimizer.kind);
  const double activation_bytes = 4.0 * static_cast<double>(plan.activation_floats() * batch);
  fmt::print("\nparameters        {:>12} ({})\n", human_count(static_cast<double>(plan.parameter_count())),
             human_bytes(param_bytes));
  fmt::print("gradients         {:>12}\n", human_bytes(param_bytes));
  fmt::print("optimizer state   {:>12} ({} {} slot{})\n", human_bytes(param_bytes * slots),
             to_string(config.training.optimizer.kind), slots, slots == 1 ? "" : "s");
  fmt::print("activations       {:>12} (batch {}, input included)\n", human_bytes(activation_bytes), batch);
  fmt::print("total             {:>12}\n", human_bytes(param_bytes * (2 + slots) + activation_bytes));
  fmt::print("FLOPs per step    {:>12} (forward {} per image, x3 for training)\n",
             human_count(plan.train_flops() * static_cast<double>(batch)), human_count(plan.forward_flops()));
}

void add_validate_command(CLI::App& app) {
  struct Args {
    std::string config;
    std::vector<std::string> overrides;
    bool ignore_memory_limit = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("validate", "Check a config completely and print the model, without training");
  cmd->add_option("config", args->config, "experiment YAML file")->required();
  cmd->add_option("overrides", args->overrides, "key.path=value settings applied on top of the file");
  add_ignore_memory_limit_flag(*cmd, args->ignore_memory_limit);
  cmd->callback([args] {
    const ShapesOnlyConfig loaded = load_config_for_shapes(args->config, args->overrides);
    if (!loaded.data_present) fmt::print("data: {}\n\n", loaded.note);
    print_model_table(loaded.config);
    const ExperimentConfig& c = loaded.config;
    check_memory_fits(c, plan_network(c.layers, c.input, c.classes), c.backend, args->ignore_memory_limit);
  });
}

}  // namespace expt::cli
