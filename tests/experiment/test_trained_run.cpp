#include <doctest/doctest.h>

#include <filesystem>

#include "config/load_config.hpp"
#include "core/error.hpp"
#include "experiment/trained_run.hpp"
#include "run_test_support.hpp"

using namespace expt;

TEST_CASE("trained run: a run folder means best.safetensors, else last.safetensors; a file means itself") {
  const auto results = fresh_results("trained");
  const auto cfg = load_config_text(quick_config(results), "quick.yaml", {"training.epochs=1"});
  const RunOutcome out = run_experiment(cfg, quiet());
  const auto checkpoints = out.run_dir / "checkpoints";

  const TrainedRun run = open_trained_run(out.run_dir, {});
  CHECK(run.checkpoint == checkpoints / "best.safetensors");
  CHECK(run.run_dir == out.run_dir);
  CHECK(run.input == Shape{1, 12, 12});
  CHECK(run.class_names == std::vector<std::string>{"0", "1", "2"});
  CHECK(run.normalization.kind == "per_channel_mean");
  CHECK(run.normalization.mean.size() == 144);
  // The same network, without the data set: generated images of the run's shape and classes.
  CHECK(run.config.data.dataset == "synthetic");
  CHECK(run.config.layers.size() == cfg.layers.size());
  CHECK(run.config.classes == 3);

  CHECK(open_trained_run(checkpoints / "last.safetensors", {}).checkpoint == checkpoints / "last.safetensors");
  CHECK(open_trained_run(out.run_dir, {"backend=onednn"}).config.backend == "onednn");
  std::filesystem::remove(checkpoints / "best.safetensors");
  CHECK(open_trained_run(out.run_dir, {}).checkpoint == checkpoints / "last.safetensors");
  std::filesystem::remove(checkpoints / "last.safetensors");
  CHECK_THROWS_AS(open_trained_run(out.run_dir, {}), ReadError);
  CHECK_THROWS_AS(open_trained_run(results / "absent", {}), ReadError);
  std::filesystem::remove_all(results);
}
