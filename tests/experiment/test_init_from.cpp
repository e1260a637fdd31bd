// model.init_from in a run: the listed layers start from the file's tensors, the others from
// the config's initialization.
#include <doctest/doctest.h>

#include <filesystem>

#include "config/load_config.hpp"
#include "core/safetensors.hpp"
#include "experiment/checkpoint.hpp"
#include "run_test_support.hpp"

using namespace expt;

namespace {

// A fresh results folder holding other-seed.safetensors: the quick network's weights from seed 99.
std::filesystem::path results_with_donor(const std::string& name) {
  const auto results = fresh_results(name);
  std::filesystem::create_directories(results);
  const auto donor = load_config_text(quick_config(results), "quick.yaml", {"seed=99"});
  save_checkpoint(results / "other-seed.safetensors", *reference_network(donor), donor.training.optimizer.kind, {},
                  /*include_optimizer=*/false);
  return results;
}

}  // namespace

TEST_CASE("init_from: a new run starts the listed layers from the file") {
  const auto results = results_with_donor("init-from");
  const auto weights = results / "other-seed.safetensors";

  const auto cfg = load_config_text(quick_config(results), "quick.yaml",
                                    {"training.epochs=1", "training.checkpoint_initial=true",
                                     "model.init_from={path: " + weights.string() + ", layers: [conv1, logits]}"});
  const RunOutcome out = run_experiment(cfg, quiet());
  REQUIRE(out.exit_code == ExitCode::ok);
  const safetensors::File start = safetensors::read(out.run_dir / "checkpoints" / "step-0.safetensors");
  const safetensors::File file = safetensors::read(weights);
  CHECK(start.tensors.at("conv1.weight").data == file.tensors.at("conv1.weight").data);
  CHECK(start.tensors.at("conv1.bias").data == file.tensors.at("conv1.bias").data);
  CHECK(start.tensors.at("logits.weight").data == file.tensors.at("logits.weight").data);
  CHECK(start.tensors.at("fc1.weight").data != file.tensors.at("fc1.weight").data);  // seed 7's initialization
  std::filesystem::remove_all(results);
}

TEST_CASE("init_from: a run resumes after the file is gone, since its checkpoint holds every weight") {
  const auto results = results_with_donor("init-from-resume");
  const auto weights = results / "other-seed.safetensors";
  const auto cfg = load_config_text(quick_config(results), "quick.yaml",
                                    {"training.epochs=2", "model.init_from={path: " + weights.string() + ", layers: [conv1]}"});
  RunOptions first = quiet();
  first.pause_after_epochs = 1;
  const RunOutcome paused = run_experiment(cfg, first);
  REQUIRE(paused.exit_code == ExitCode::ok);
  REQUIRE(paused.report.epochs.size() == 1);

  std::filesystem::remove(weights);
  const auto run_config = paused.run_dir / "config.yaml";
  CHECK_THROWS_WITH_AS(load_config(run_config), doctest::Contains("model.init_from.path"), ConfigError);
  RunOptions again = quiet();
  again.resume_dir = paused.run_dir;
  const RunOutcome resumed = run_experiment(load_run_config(run_config), again);
  CHECK(resumed.exit_code == ExitCode::ok);
  CHECK(resumed.report.epochs.size() == 2);
  std::filesystem::remove_all(results);
}
