#include <doctest/doctest.h>

#include <filesystem>

#include "config/load_config.hpp"
#include "core/error.hpp"
#include "experiment/run.hpp"
#include "run_test_support.hpp"

using namespace expt;


TEST_CASE("run: writes config, report and checkpoint; learns above chance") {
  const auto results = fresh_results("basic");
  const auto cfg = load_config_text(quick_config(results), "quick.yaml");
  const RunOutcome out = run_experiment(cfg, quiet());
  CHECK(out.exit_code == ExitCode::ok);
  CHECK(std::filesystem::exists(out.run_dir / "config.yaml"));
  CHECK(std::filesystem::exists(out.run_dir / "report.json"));
  CHECK(std::filesystem::exists(out.run_dir / "checkpoints" / "last.safetensors"));
  CHECK(out.run_dir.parent_path() == results / "quick");

  const Report r = read_report(out.run_dir / "report.json");
  CHECK(r.status == RunStatus::completed);
  REQUIRE(r.epochs.size() == 6);
  CHECK(r.steps.size() == 6 * (240 / 20) / 4);
  CHECK(r.final_test_accuracy() > 0.7);  // chance is 1/3
  CHECK(r.parameters > 0);
  std::filesystem::remove_all(results);
}

TEST_CASE("run: two runs with one seed give identical histories; another seed differs") {
  const auto results = fresh_results("repeat");
  const auto cfg = load_config_text(quick_config(results), "quick.yaml");
  const Report a = run_experiment(cfg, quiet()).report;
  const Report b = run_experiment(cfg, quiet()).report;
  REQUIRE(a.epochs.size() == b.epochs.size());
  for (size_t i = 0; i < a.epochs.size(); ++i) {
    CHECK(a.epochs[i].train_loss == b.epochs[i].train_loss);
    CHECK(a.epochs[i].test_loss == b.epochs[i].test_loss);
    CHECK(a.epochs[i].test_accuracy == b.epochs[i].test_accuracy);
  }
  REQUIRE(a.steps.size() == b.steps.size());
  for (size_t i = 0; i < a.steps.size(); ++i) CHECK(a.steps[i].test_loss == b.steps[i].test_loss);

  const auto other = load_config_text(quick_config(results), "quick.yaml", {"seed=8"});
  const Report c = run_experiment(other, quiet()).report;
  CHECK(c.epochs[0].train_loss != a.epochs[0].train_loss);
  std::filesystem::remove_all(results);
}

TEST_CASE("run: a diverging run stops with status diverged, naming the step") {
  const auto results = fresh_results("diverge");
  const auto cfg = load_config_text(quick_config(results), "quick.yaml",
                                    {"training.optimizer.type=sgd", "training.optimizer.learning_rate=1e30"});
  const RunOutcome out = run_experiment(cfg, quiet());
  CHECK(out.exit_code == ExitCode::diverged);
  const Report r = read_report(out.run_dir / "report.json");
  CHECK(r.status == RunStatus::diverged);
  CHECK(r.message.find("at step") != std::string::npos);
  std::filesystem::remove_all(results);
}

TEST_CASE("run: bad input is reported before anything is written") {
  const auto results = fresh_results("bad");
  const auto cfg = load_config_text(quick_config(results), "quick.yaml", {"training.batch_size=1000"});
  CHECK_THROWS_AS(run_experiment(cfg, quiet()), ConfigError);
  CHECK_FALSE(std::filesystem::exists(results));
}

TEST_CASE("run: a short Fashion-MNIST run on a subset learns well above chance") {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist")) {
    MESSAGE("skipped: /usr/share/datasets/fashion-mnist is absent (Debian package dataset-fashion-mnist)");
    return;
  }
  const auto results = fresh_results("fashion");
  const auto cfg = load_config(std::filesystem::path(EXPT_SOURCE_DIR) / "configs" / "fashion_dropout.yaml",
                               {"results_dir=" + results.string(), "training.epochs=1", "data.limit_train=3000",
                                "data.limit_test=1000", "tensorboard.enabled=false"});
  const Report r = run_experiment(cfg, quiet()).report;
  CHECK(r.status == RunStatus::completed);
  CHECK(r.test_examples == 1000);
  CHECK(r.final_test_accuracy() > 0.6);  // chance is 0.1; the full run reaches about 0.93
  std::filesystem::remove_all(results);
}
