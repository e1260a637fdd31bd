// `expt bench`: time training steps of a config's network (see docs/benchmarks.md).
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "bench/bench_run.hpp"
#include "cli/commands.hpp"
#include "config/document.hpp"
#include "config/load_config.hpp"
#include "core/error.hpp"

namespace expt::cli {
namespace {

// The number of classes data.classes names (after the overrides), or 0 when it names none.
int64_t listed_classes(const std::string& file, const std::vector<std::string>& overrides) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  auto document = config::ConfigDocument::parse(text.str(), file);
  for (const auto& o : overrides) document.apply_override(o);
  const YAML::Node classes = document.root()["data"]["classes"];
  if (!classes.IsSequence()) return 0;
  for (const auto& c : classes)
    if (c.IsScalar() && c.as<std::string>() == "all") return 0;
  return static_cast<int64_t>(classes.size());
}

// The config as given when its data set is there; otherwise the same network on generated
// images of the same size, channels and classes (the bench never trains on the data anyway).
BenchRequest bench_request(const std::string& file, const std::vector<std::string>& overrides) {
  BenchRequest request;
  try {
    request.config = load_config(file, overrides);
    return request;
  } catch (const DataError& e) {
    const int64_t classes = listed_classes(file, overrides);
    if (classes < 2)
      throw DataError(fmt::format("{}\n(expt bench would time synthetic data of the same shape, but data.classes "
                                  "does not list the classes; pass data.classes=[a, b, ...])",
                                  e.what()));
    std::vector<std::string> synthetic = overrides;
    synthetic.push_back("data.dataset=synthetic");
    synthetic.push_back(fmt::format("data.synthetic.classes={}", classes));
    request.config = load_config(file, synthetic);
    request.data_present = false;
    request.data_note = fmt::format("the data set is absent ({}); timed with overrides data.dataset=synthetic "
                                    "data.synthetic.classes={} (same image size, channels and classes)",
                                    e.what(), classes);
    return request;
  }
}

}  // namespace

void add_bench_command(CLI::App& app) {
  struct Args {
    std::string config;
    std::vector<std::string> overrides;
    int64_t steps = 10, warmup = 3, batch = 0;
    std::string backend, precision;
    bool json = false;
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
  cmd->callback([args] {
    std::vector<std::string> overrides = args->overrides;
    if (args->batch > 0) overrides.push_back(fmt::format("training.batch_size={}", args->batch));
    if (!args->backend.empty()) overrides.push_back("backend=" + args->backend);
    if (!args->precision.empty()) overrides.push_back("precision=" + args->precision);
    BenchRequest request = bench_request(args->config, overrides);
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
