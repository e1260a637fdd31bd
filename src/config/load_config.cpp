#include "config/load_config.hpp"

#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/init_from.hpp"
#include "config/parse.hpp"
#include "core/error.hpp"
#include "data/dataset.hpp"
#include "layers/layer_planner.hpp"
#include "layers/network_plan.hpp"

namespace expt {

namespace {

// plan_network names the failing layer as "model.layers[i]"; add where that layer is written.
ConfigError with_layer_location(const ConfigError& e, const config::LayerSources& sources, const std::string& source) {
  static const std::regex layer_index(R"(model\.layers\[(\d+)\])");
  std::smatch m;
  const std::string message = e.what();
  if (std::regex_search(message, m, layer_index)) {
    const size_t i = std::stoul(m[1]);
    if (i < sources.locations.size()) return ConfigError(fmt::format("{} ({})", message, sources.locations[i]));
  }
  return ConfigError(fmt::format("{}: {}", source, message));
}

// Batch norm normalises each channel over the batch and the image: with one value per channel,
// a training batch of 1 after a dense layer, its variance is zero and its output meaningless
// (PyTorch refuses it at the first step).
void check_batch_statistics(const NetworkPlan& plan, int64_t batch_size) {
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    const PlannedLayer& l = plan.layers[i];
    if (l.spec.kind != LayerKind::batch_norm || batch_size > 1 || l.in.h * l.in.w > 1) continue;
    throw ConfigError(fmt::format(
        "{}: training.batch_size is 1 and the input is {}, so each channel has one value per batch and no "
        "variance; use a batch of at least 2",
        layer_where(l.spec, i), l.in.str()));
  }
}

// A network whose every parameter is frozen would run its epochs and change nothing (and its
// backward pass would have no layer to stop at).
void check_something_trains(const NetworkPlan& plan) {
  if (plan.parameter_count() > 0) return;
  throw ConfigError("model.layers: every layer with parameters has `trainable: false`, so training would change "
                    "nothing; leave at least one trainable");
}

// The file's header against the planned parameters, so a run never starts on weights that do not
// fit. `where` is model.init_from.path's location.
void check_init_from(const InitFromConfig& from, const NetworkPlan& plan, const std::string& where) {
  std::map<std::string, safetensors::TensorInfo> header;
  try {
    header = safetensors::read_header(from.path);
  } catch (const ReadError& e) {
    throw ConfigError(fmt::format("unreadable file at model.init_from.path ({}): {}", where, e.what()));
  }
  const InitFromMatch match = match_init_from(from, plan, header);
  if (!match.problems.empty())
    throw ConfigError(fmt::format("weights that do not fit at model.init_from.path ({}): {}: {}", where,
                                  from.path.string(), fmt::join(match.problems, "; ")));
}

// What build_config and load_run_config share; `read_init_from` says whether model.init_from's
// file is checked against the plan.
ExperimentConfig build_checked(const config::ConfigDocument& document, const std::string& default_name,
                               bool read_init_from) {
  config::LayerSources sources;
  ExperimentConfig config = config::parse_experiment(document, default_name, sources);

  const DatasetInfo info = probe_dataset(config.data, config.seed);
  config.input = info.shape;
  config.classes = info.classes;
  config.class_names = info.class_names;
  for (size_t i : sources.units_from_classes) config.layers[i].units = config.classes;

  NetworkPlan plan;
  try {
    plan = plan_network(config);
    check_batch_statistics(plan, config.training.batch_size);
    check_something_trains(plan);
  } catch (const ConfigError& e) {
    throw with_layer_location(e, sources, document.source_name());
  }
  if (read_init_from && !config.init_from.path.empty()) check_init_from(config.init_from, plan, sources.init_from_path);
  config.resolved_yaml = to_yaml(config);
  return config;
}

std::string read_config_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw ConfigError(fmt::format("cannot read config file '{}': {}", file.string(),
                                  std::filesystem::exists(file) ? "permission denied or not a file" : "no such file"));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

ExperimentConfig build_config(const config::ConfigDocument& document, const std::string& default_name) {
  return build_checked(document, default_name, true);
}

ExperimentConfig load_config_text(std::string_view yaml, const std::string& source_name,
                                  const std::vector<std::string>& overrides) {
  config::ConfigDocument document = config::ConfigDocument::parse(yaml, source_name);
  for (const auto& assignment : overrides) document.apply_override(assignment);
  document.interpolate();
  return build_config(document, std::filesystem::path(source_name).stem().string());
}

ExperimentConfig load_config(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  ExperimentConfig config = load_config_text(read_config_text(file), file.string(), overrides);
  config.source = file;
  return config;
}

ExperimentConfig load_run_config(const std::filesystem::path& file) {
  config::ConfigDocument document = config::ConfigDocument::parse(read_config_text(file), file.string());
  document.interpolate();
  ExperimentConfig config = build_checked(document, file.stem().string(), false);
  config.source = file;
  return config;
}

}  // namespace expt
