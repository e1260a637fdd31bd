// `expt bench`: time training steps of a config's network (see docs/benchmarks.md).
#include <fmt/format.h>

#include "bench/bench_run.hpp"
#include "cli/commands.hpp"
#include "config/shapes_only.hpp"
#include "experiment/memory_check.hpp"

namespace expt::cli {
namespace {

// The config as given when its data set is there; otherwise the same network on generated
// images of the same size, channels and classes (the bench never trains on the data anyway).
BenchRequest bench_request(const std::string& file, const std::vector<std::string>& overrides) {
  ShapesOnlyConfig loaded = load_config_for_shapes(file, overrides);
  BenchRequest request;
  request.config = std::move(loaded.config);
  request.data_present = loaded.data_present;
  request.data_note = loaded.note;
  return request;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  struct Args {
    std::string config;
    std::vector<std::string> overrides;
    int64_t steps = 10, warmup = 3, batch = 0;
    std::string backend, precision;
    bool json = false;
    bool ignore_memory_limit = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("bench", "Time training steps of a config's network on synthetic input");
  cmd->add_option("config", args->config, "experiment YAML file")->required();
  cmd->add_option("overrides", args->overrides, "key.path=value settings applied on top of the file");
  cmd->add_option("--steps", args->steps, "timed training steps")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", args->warmup, "untimed steps first (page faults, kernel set-up)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch", args->batch, "batch size (default: training.batch_size)")->check(CLI::PositiveNumber);
  cmd->add_option("--backend", args->backend, "backend (default: the config's)");
  cmd->add_option("--precision", args->precision, "fp32 | bf16 | ... (default: the config's)");
  cmd->add_flag("--json", args->json, "print one JSON object instead of the text summary");
  add_ignore_memory_limit_flag(*cmd, args->ignore_memory_limit);
  cmd->callback([args] {
    std::vector<std::string> overrides = args->overrides;
    if (args->batch > 0) overrides.push_back(fmt::format("training.batch_size={}", args->batch));
    if (!args->backend.empty()) overrides.push_back("backend=" + args->backend);
    if (!args->precision.empty()) overrides.push_back("precision=" + args->precision);
    BenchRequest request = bench_request(args->config, overrides);
    const ExperimentConfig& c = request.config;
    check_memory_fits(c, plan_network(c), c.backend, args->ignore_memory_limit);
    request.steps = args->steps;
    request.warmup = args->warmup;
    const BenchResult result = run_bench(request);
    if (args->json)
      fmt::print("{}\n", bench_json(result));
    else
      print_bench_text(result);
  });
}

}  // namespace expt::cli
