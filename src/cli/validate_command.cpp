#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "config/shapes_only.hpp"
#include "experiment/network_setup.hpp"
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

// ", 14.7M frozen" when layers have `trainable: false`: their tensors' elements.
std::string frozen_note(const NetworkPlan& plan) {
  double frozen = 0;
  for (const PlannedLayer& l : plan.layers)
    if (!l.spec.trainable)
      for (int p : l.params) frozen += static_cast<double>(plan.params[static_cast<size_t>(p)].size());
  return frozen > 0 ? fmt::format(", {} frozen", human_count(frozen)) : "";
}

}  // namespace

// The model as a table, checked before any training: what each layer produces and costs.
void print_model_table(const ExperimentConfig& config) {
  const NetworkPlan plan = plan_network(config);
  const int64_t batch = config.training.batch_size;
  fmt::print("{}: input {} per image, {} classes, batch {}\n\n", config.name, plan.input.str(), plan.classes, batch);
  // The name and type columns as wide as their longest entry ("global_avg_pool").
  size_t name_width = 16, type_width = 9;
  for (const PlannedLayer& l : plan.layers) {
    name_width = std::max(name_width, l.spec.name.size());
    type_width = std::max(type_width, std::string_view(to_string(l.spec.kind)).size());
  }
  fmt::print("{:<{}} {:<{}} {:>14} {:>12} {:>12} {:>14}\n", "layer", name_width, "type", type_width, "output", "params",
             "fwd FLOPs", "activations");
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    const PlannedLayer& l = plan.layers[i];
    int64_t params = 0;
    for (int p : l.params) {
      const ParamSpec& tensor = plan.params[static_cast<size_t>(p)];
      if (tensor.trainable) params += tensor.size();  // as the total counts them: running statistics are state
    }
    fmt::print("{:<{}} {:<{}} {:>14} {:>12} {:>12} {:>14}\n", l.spec.name, name_width, to_string(l.spec.kind),
               type_width, l.out.str(),
               human_count(static_cast<double>(params)), human_count(l.forward_flops * static_cast<double>(batch)),
               human_bytes(4.0 * static_cast<double>(l.out.size()) * static_cast<double>(batch)));
    // Branches: where a layer reads something other than the layer above it.
    if (l.inputs != std::vector<int>{static_cast<int>(i) - 1}) {
      std::vector<std::string> names;
      for (const int source : l.inputs)
        names.push_back(source == network_input ? network_input_name : plan.layers[static_cast<size_t>(source)].spec.name);
      fmt::print("  <- {}\n", fmt::join(names, " + "));
    }
  }
  // Frozen layers' parameters and state are held too, but only trainable ones have gradients
  // and optimizer state.
  const double param_bytes = 4.0 * static_cast<double>(plan.parameter_count());
  const double stored_bytes = 4.0 * static_cast<double>(plan.stored_count());
  const int slots = optimizer_state_slots(config.training.optimizer.kind);
  // In doubles: a batch near 2^63 is a config to report on, not an integer overflow.
  const double activation_bytes = 4.0 * static_cast<double>(plan.activation_floats()) * static_cast<double>(batch);
  fmt::print("\nparameters        {:>12} ({} held{})\n", human_count(static_cast<double>(plan.parameter_count())),
             human_bytes(stored_bytes), frozen_note(plan));
  fmt::print("gradients         {:>12}\n", human_bytes(param_bytes));
  fmt::print("optimizer state   {:>12} ({} {} slot{})\n", human_bytes(param_bytes * slots),
             to_string(config.training.optimizer.kind), slots, slots == 1 ? "" : "s");
  fmt::print("activations       {:>12} (batch {}, input included)\n", human_bytes(activation_bytes), batch);
  fmt::print("total             {:>12}\n", human_bytes(stored_bytes + param_bytes * (1 + slots) + activation_bytes));
  fmt::print("FLOPs per step    {:>12} (forward {} per image, x{:.2f} for training)\n",
             human_count(plan.train_flops() * static_cast<double>(batch)), human_count(plan.forward_flops()),
             plan.forward_flops() > 0 ? plan.train_flops() / plan.forward_flops() : 0.0);
}

void add_validate_command(CLI::App& app) {
  struct Args {
    std::string config;
    std::vector<std::string> overrides;
    bool no_backend_check = false;
    bool ignore_memory_limit = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("validate", "Check a config completely and print the model, without training");
  cmd->add_option("config", args->config, "experiment YAML file")->required();
  cmd->add_option("overrides", args->overrides, "key.path=value settings applied on top of the file");
  cmd->add_flag("--no-backend-check", args->no_backend_check,
                "check the config alone, not whether this machine's backend can run it (a config meant for another machine)");
  add_ignore_memory_limit_flag(*cmd, args->ignore_memory_limit);
  cmd->callback([args] {
    const ShapesOnlyConfig loaded = load_config_for_shapes(args->config, args->overrides);
    if (!loaded.note.empty()) fmt::print("{}: {}\n\n", loaded.data_present ? "weights" : "data", loaded.note);
    print_model_table(loaded.config);
    const ExperimentConfig& config = loaded.config;
    const NetworkPlan plan = plan_network(config);
    check_memory_fits(config, plan, config.backend, args->ignore_memory_limit);
    if (args->no_backend_check) return;
    // The same check `expt run` makes before loading data: bf16 on a CPU without AVX-512 fails here.
    const auto backend = backend_for(
        config, plan, network_options(config, std::max(config.training.batch_size, config.training.eval_batch_size)));
    fmt::print("runs here on      {} ({}), precision {}\n", backend->name(), backend->device_description(config.threads),
               name_of(precision_names, config.precision));
  });
}

}  // namespace expt::cli
