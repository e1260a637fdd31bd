#include "sweep/sweep_spec.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "config/flatten_config.hpp"
#include "config/document.hpp"
#include "core/error.hpp"
#include "core/path_component.hpp"
#include "core/quote.hpp"
#include "sweep/slurm_options.hpp"

namespace expt {
namespace {

constexpr std::array<std::string_view, 11> kSweepKeys{"name",    "base", "overrides", "parameters", "search",   "trials",
                                                      "sample_seed", "repeats", "seed",   "scheduler",  "launcher"};
constexpr std::array<std::string_view, 4> kSchedulerKeys{"min_epochs", "max_epochs", "reduction_factor", "metric"};

std::string read_file(const std::filesystem::path& file, const std::string& what) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw ConfigError(fmt::format("cannot read {} '{}': {}", what, file.string(),
                                  std::filesystem::exists(file) ? "permission denied or not a file" : "no such file"));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class SweepReader {
 public:
  explicit SweepReader(const config::ConfigDocument& doc) : doc_(doc) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& what) const {
    throw ConfigError(fmt::format("{}: {}: {}", doc_.locate(node), key, what));
  }

  template <typename T>
  T scalar(const YAML::Node& node, const std::string& key, const char* expected) const {
    if (!node.IsScalar()) fail(node, key, fmt::format("expected {}", expected));
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(node, key, fmt::format("expected {}, got {}", expected, quote_value(node.Scalar())));
    }
  }

  std::vector<std::string> flow_list(const YAML::Node& node, const std::string& key) const {
    if (!node.IsSequence() || node.size() == 0) fail(node, key, "expected a non-empty list of values, e.g. [true, false]");
    std::vector<std::string> values;
    for (const auto& item : node) values.push_back(yaml_flow_text(item));
    return values;
  }

  SweepParameter parameter(const std::string& key, const YAML::Node& node) const {
    const std::string where = "parameters." + key;
    SweepParameter p;
    p.key = key;
    p.where = doc_.locate(node);
    if (node.IsSequence()) {
      p.values = flow_list(node, where);
      return p;
    }
    if (!node.IsMap() || node.size() != 1)
      fail(node, where,
           "expected a list of values, or one of {uniform: [low, high]}, {log_uniform: [low, high]}, "
           "{int_uniform: [low, high]}, {choice: [...]}");
    const auto kv = *node.begin();
    const std::string kind = kv.first.Scalar();
    const std::string inner = where + "." + kind;
    if (kind == "choice") {
      p.kind = SweepParameter::Kind::choice;
      p.values = flow_list(kv.second, inner);
      return p;
    }
    if (kind != "uniform" && kind != "log_uniform" && kind != "int_uniform")
      fail(kv.first, where,
           fmt::format("unknown distribution {}: use uniform, log_uniform, int_uniform or choice", quote_value(kind)));
    p.kind = kind == "uniform"       ? SweepParameter::Kind::uniform
             : kind == "log_uniform" ? SweepParameter::Kind::log_uniform
                                     : SweepParameter::Kind::int_uniform;
    if (!kv.second.IsSequence() || kv.second.size() != 2) fail(kv.second, inner, "expected [low, high]");
    if (p.kind == SweepParameter::Kind::int_uniform) {
      p.low = static_cast<double>(scalar<int64_t>(kv.second[0], inner, "a whole number"));
      p.high = static_cast<double>(scalar<int64_t>(kv.second[1], inner, "a whole number"));
      if (p.low > p.high) fail(kv.second, inner, "low must not be above high");
      return p;
    }
    p.low = scalar<double>(kv.second[0], inner, "a number");
    p.high = scalar<double>(kv.second[1], inner, "a number");
    if (!std::isfinite(p.low) || !std::isfinite(p.high)) fail(kv.second, inner, "expected finite numbers");
    if (!(p.low < p.high)) fail(kv.second, inner, "low must be below high");
    if (p.kind == SweepParameter::Kind::log_uniform && p.low <= 0)
      fail(kv.second, inner, "log_uniform needs low > 0 (it draws the logarithm uniformly)");
    return p;
  }

  // scheduler: {type: asha, min_epochs: 1, max_epochs: 9, reduction_factor: 3, metric: test_accuracy}
  AshaSpec scheduler(const YAML::Node& node) const {
    if (!node.IsMap()) fail(node, "scheduler", "expected {type: asha, min_epochs, max_epochs, reduction_factor, metric}");
    if (!node["type"] || !node["type"].IsScalar() || node["type"].Scalar() != "asha")
      fail(node["type"] ? node["type"] : node, "scheduler.type", "expected asha (the one scheduler there is)");
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (key != "type" && std::find(kSchedulerKeys.begin(), kSchedulerKeys.end(), key) == kSchedulerKeys.end())
        fail(kv.first, "scheduler." + key, "unknown scheduler key; use type, min_epochs, max_epochs, reduction_factor or metric");
    }
    AshaSpec a;
    auto whole = [&](const char* key, int64_t fallback, int64_t least) {
      const std::string where = std::string("scheduler.") + key;
      const int64_t value = node[key] ? scalar<int64_t>(node[key], where, "a whole number") : fallback;
      if (value < least) fail(node[key] ? node[key] : node, where, fmt::format("must be at least {}", least));
      return value;
    };
    if (!node["max_epochs"]) fail(node, "scheduler.max_epochs", "missing: the epochs a member that is never pruned trains");
    a.min_epochs = whole("min_epochs", 1, 1);
    a.max_epochs = whole("max_epochs", 0, a.min_epochs);
    a.reduction_factor = whole("reduction_factor", 3, 2);
    if (node["metric"]) {
      a.metric = scalar<std::string>(node["metric"], "scheduler.metric", "a metric name");
      if (a.metric != "test_accuracy" && a.metric != "test_loss")
        fail(node["metric"], "scheduler.metric",
             fmt::format("runs do not report {} at every epoch; use test_accuracy (higher is better) or test_loss "
                         "(lower is better)", quote_value(a.metric)));
    }
    return a;
  }

  // launcher: {slurm: {account: lab, mem: 8G, exclusive: true}} -> account=lab, mem=8G, exclusive
  std::vector<std::string> sbatch_options(const YAML::Node& launcher) const {
    if (!launcher.IsMap()) fail(launcher, "launcher", "expected {slurm: {sbatch option: value, ...}}");
    std::vector<std::string> options;
    for (const auto& kv : launcher) {
      if (kv.first.Scalar() != "slurm")
        fail(kv.first, "launcher", fmt::format("unknown launcher {}: only slurm takes settings", quote_value(kv.first.Scalar())));
      if (!kv.second.IsMap()) fail(kv.second, "launcher.slurm", "expected a mapping of sbatch long options to values, e.g. {account: lab, mem: 8G}");
      for (const auto& option : kv.second) {
        const std::string key = "launcher.slurm." + option.first.Scalar();
        if (!option.second.IsScalar()) fail(option.second, key, "expected a value (true for a flag such as exclusive)");
        const std::string value = option.second.Scalar();
        if (value == "false") continue;
        const std::string text = value == "true" ? option.first.Scalar() : option.first.Scalar() + "=" + value;
        if (const std::string problem = sbatch_option_problem(text); !problem.empty()) fail(option.first, key, problem);
        options.push_back(text);
      }
    }
    return options;
  }

 private:
  const config::ConfigDocument& doc_;
};

}  // namespace

SweepSpec parse_sweep_text(std::string_view yaml, const std::filesystem::path& file) {
  const auto doc = config::ConfigDocument::parse(yaml, file.string());
  const YAML::Node& root = doc.root();
  const SweepReader r(doc);
  if (!root.IsMap()) r.fail(root, "sweep", "expected a mapping with base: and parameters:");
  for (const auto& kv : root)
    if (std::find(kSweepKeys.begin(), kSweepKeys.end(), kv.first.Scalar()) == kSweepKeys.end())
      r.fail(kv.first, kv.first.Scalar(),
             "unknown sweep key; use name, base, overrides, parameters, search, trials, sample_seed, repeats, seed, "
             "scheduler or launcher");

  SweepSpec spec;
  spec.file = file;
  spec.name = file.stem().string();
  if (root["name"]) spec.name = r.scalar<std::string>(root["name"], "name", "a name");
  // The name is the sweep's folder under results_dir: its manifest, locks and members go there.
  if (const std::string problem = folder_name_problem(spec.name); !problem.empty())
    r.fail(root["name"] ? root["name"] : root, "name",
           root["name"] ? problem : "the file name's stem is the sweep name when `name:` is absent, and " + problem);

  const YAML::Node base = root["base"];
  if (!base) r.fail(root, "base", "missing: name a run config file (relative to this file) or write one inline");
  if (base.IsScalar()) {
    const auto path = file.parent_path() / base.Scalar();
    spec.base_yaml = read_file(path, "base config");
    spec.base_source = path.string();
  } else if (base.IsMap()) {
    spec.base_yaml = YAML::Dump(base);
    spec.base_source = file.string() + " (base)";
  } else {
    r.fail(base, "base", "expected a file name or a mapping");
  }

  if (const YAML::Node overrides = root["overrides"]) {
    if (!overrides.IsMap()) r.fail(overrides, "overrides", "expected a mapping of dotted keys to values");
    for (const auto& kv : overrides) spec.overrides.push_back(kv.first.Scalar() + "=" + yaml_flow_text(kv.second));
  }

  if (const YAML::Node parameters = root["parameters"]) {
    if (!parameters.IsMap()) r.fail(parameters, "parameters", "expected a mapping of dotted keys to value lists or distributions");
    for (const auto& kv : parameters) {
      const std::string key = kv.first.Scalar();
      if (key == "seed") r.fail(kv.first, "parameters.seed", "use `repeats:` or `seed: [...]` at the top level for run seeds");
      spec.parameters.push_back(r.parameter(key, kv.second));
    }
  }

  // `trials:` alone has meant random search since before `search:` existed.
  std::string search = root["trials"] ? "random" : "grid";
  if (root["search"]) {
    search = r.scalar<std::string>(root["search"], "search", "grid or random");
    if (search != "grid" && search != "random") r.fail(root["search"], "search", "expected grid or random");
  }
  if (search == "random" && !root["trials"])
    r.fail(root["search"], "trials", "missing: `search: random` needs `trials: N`, the number of random draws");
  if (search == "grid" && root["trials"])
    r.fail(root["trials"], "trials", "only for `search: random`; a grid runs every combination of its lists");
  if (root["trials"]) {
    spec.trials = r.scalar<int64_t>(root["trials"], "trials", "a whole number of random draws");
    if (spec.trials < 1) r.fail(root["trials"], "trials", "must be at least 1");
  }
  if (root["sample_seed"]) spec.sample_seed = r.scalar<uint64_t>(root["sample_seed"], "sample_seed", "a whole number");
  if (spec.trials == 0)
    for (size_t i = 0; i < spec.parameters.size(); ++i)
      if (spec.parameters[i].kind != SweepParameter::Kind::list)
        r.fail(root["parameters"][spec.parameters[i].key], "parameters." + spec.parameters[i].key,
               "a distribution needs `search: random` and `trials:`; a grid takes a list of values");
  if (const YAML::Node scheduler = root["scheduler"]) {
    spec.scheduler = r.scheduler(scheduler);
    if (root["parameters"] && root["parameters"]["training.epochs"])
      r.fail(root["parameters"]["training.epochs"], "parameters.training.epochs",
             "the scheduler decides how long members train (scheduler.max_epochs); do not sweep training.epochs");
  }

  if (root["repeats"] && root["seed"]) r.fail(root["seed"], "seed", "give either `repeats:` or a `seed:` list, not both");
  if (root["repeats"]) {
    spec.repeats = r.scalar<int64_t>(root["repeats"], "repeats", "a whole number of runs per point");
    if (spec.repeats < 1) r.fail(root["repeats"], "repeats", "must be at least 1");
  }
  if (const YAML::Node seeds = root["seed"]) {
    if (!seeds.IsSequence() || seeds.size() == 0)
      r.fail(seeds, "seed", "expected a list of run seeds, e.g. [1, 2, 3] (random-search draws use sample_seed)");
    for (const auto& s : seeds) spec.seeds.push_back(r.scalar<uint64_t>(s, "seed", "a whole number"));
  }
  if (const YAML::Node launcher = root["launcher"]) spec.sbatch_options = r.sbatch_options(launcher);
  return spec;
}

SweepSpec read_sweep_file(const std::filesystem::path& file) {
  return parse_sweep_text(read_file(file, "sweep file"), file);
}

}  // namespace expt
