// `expt data fetch`: download a data set; `expt data prepare`: load a config's data set once
// (decoding into the cache) and say what was found, skipped and how fast.
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "config/load_config.hpp"
#include "data/dataset.hpp"
#include "data/fetch.hpp"

namespace expt::cli {
namespace {

void add_fetch(CLI::App& data) {
  struct Args {
    std::string dataset;
    FetchOptions options;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = data.add_subcommand("fetch", "Download and unpack a data set (the only command that uses the network)");
  cmd->add_option("dataset", args->dataset, "the data set")->required()->check(CLI::IsMember({"oxford_pets"}));
  cmd->add_option("--dest", args->options.dest, "folder to download and unpack into")->capture_default_str();
  cmd->add_option("--url", args->options.base_url,
                  "base URL holding images.tar.gz and annotations.tar.gz (published sizes are checked only for the "
                  "default)")
      ->capture_default_str();
  cmd->callback([args] {
    const auto root = fetch_oxford_pets(args->options);
    fmt::print("Oxford-IIIT Pet is ready in {0}\nuse data.root={0}, e.g.: expt run configs/pets_dropout.yaml "
               "data.root={0}\n",
               root.string());
  });
}

void add_prepare(CLI::App& data) {
  struct Args {
    std::string config;
    std::vector<std::string> overrides;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = data.add_subcommand(
      "prepare", "Load a config's data set as `expt run` would (filling the decoded-image cache) and report on it");
  cmd->add_option("config", args->config, "experiment YAML file")->required();
  cmd->add_option("overrides", args->overrides, "key.path=value settings applied on top of the file");
  cmd->callback([args] {
    const ExperimentConfig config = load_config(args->config, args->overrides);
    const Dataset data = load_dataset(config.data, config.seed);
    const DataLoadStats& s = data.load_stats;
    fmt::print("{}: {} classes, {} training and {} test images of {}\n", data.name, data.class_names.size(),
               data.train.size(), data.test.size(), data.train.shape.str());
    fmt::print("files {}, decoded {}, skipped {}, cache {}{}\n", s.files, s.decoded, data.skipped.size(), s.cache,
               s.cache_file.empty() ? "" : fmt::format(" ({})", s.cache_file));
    fmt::print("loaded in {:.2f} s{}\n", s.seconds,
               s.decoded > 0 ? fmt::format(" ({:.0f} images/s decoded and resized)", s.decoded / s.seconds) : "");
    for (const auto& skipped : data.skipped) fmt::print("skipped {}\n", skipped);
  });
}

}  // namespace

void add_data_command(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Data sets: download, prepare");
  data->require_subcommand(1);
  add_fetch(*data);
  add_prepare(*data);
}

}  // namespace expt::cli
