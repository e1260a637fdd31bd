// checkpoints/best.safetensors and training.early_stopping: the epoch a run stops at, the weights
// it ends with, and both across a resume.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "config/load_config.hpp"
#include "core/hash.hpp"
#include "core/safetensors.hpp"
#include "run_test_support.hpp"

using namespace expt;
namespace fs = std::filesystem;

namespace {

Report run_with(const fs::path& results, const std::vector<std::string>& overrides, fs::path* run_dir = nullptr) {
  const RunOutcome out = run_experiment(load_config_text(quick_config(results), "quick.yaml", overrides), quiet());
  if (run_dir) *run_dir = out.run_dir;
  return out.report;
}

RunOutcome resume(const fs::path& run_dir) {
  RunOptions options = quiet();
  options.resume_dir = run_dir;
  return run_experiment(load_config(run_dir / "config.yaml"), options);
}

// The epoch after which a run with this history stops, by the rule as docs/config.md states it
// (0: it does not stop), and its best epoch then.
struct Expected {
  int64_t stop = 0, best = 0;
};
Expected stop_by_test_loss(const std::vector<EpochRecord>& history, int64_t patience, double min_delta) {
  Expected e;
  double best = std::numeric_limits<double>::infinity();
  for (const auto& r : history) {
    if (r.test_loss < best - min_delta) {
      best = r.test_loss;
      e.best = r.epoch;
    }
    if (r.epoch - e.best >= patience) {
      e.stop = r.epoch;
      break;
    }
  }
  return e;
}

std::map<std::string, safetensors::Tensor> parameters(const fs::path& checkpoint) {
  auto tensors = safetensors::read(checkpoint).tensors;
  std::erase_if(tensors, [](const auto& kv) { return kv.first.starts_with("optimizer."); });
  return tensors;
}

bool same_tensors(const std::map<std::string, safetensors::Tensor>& a,
                  const std::map<std::string, safetensors::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a)
    if (!b.contains(name) || b.at(name).shape != t.shape || b.at(name).data != t.data) return false;
  return true;
}

}  // namespace

TEST_CASE("best checkpoint: without early stopping it holds the first epoch of best test accuracy") {
  const auto results = fresh_results("best");
  fs::path dir;
  const Report r = run_with(results, {}, &dir);
  CHECK(r.status == RunStatus::completed);
  CHECK(r.best_checkpoint_metric == "test_accuracy");
  CHECK(r.best_checkpoint_epoch == r.best_epoch());
  CHECK(fs::exists(dir / "checkpoints" / "best.safetensors"));
  const auto meta = safetensors::read(dir / "checkpoints" / "best.safetensors").metadata;
  CHECK(meta.at("epochs_done") == std::to_string(r.best_epoch()));
  const Report again = read_report(dir / "report.json");
  CHECK(again.best_checkpoint_epoch == r.best_epoch());
  CHECK(again.final_weights_epoch == 6);  // written as the epoch whose weights the run ended with
  fs::remove_all(results);
}

TEST_CASE("early stopping: the run stops at the epoch patience and min_delta give") {
  const auto results = fresh_results("stop");
  const Report full = run_with(results, {"training.epochs=12"});
  REQUIRE(full.epochs.size() == 12);
  // Settings under which this history stops before its end, to compare with what the run does.
  int stopped = 0;
  for (const auto& [patience, min_delta] : {std::pair{1, 0.0}, {2, 0.0}, {1, 0.02}, {2, 0.05}, {3, 0.1}, {2, 0.3}}) {
    const Expected expected = stop_by_test_loss(full.epochs, patience, min_delta);
    if (expected.stop == 0 || expected.stop == 12) continue;  // trains every epoch: completed
    ++stopped;
    CAPTURE(patience);
    CAPTURE(min_delta);
    fs::path dir;
    const Report r = run_with(results,
                              {"training.epochs=12", "training.early_stopping.patience=" + std::to_string(patience),
                               "training.early_stopping.min_delta=" + std::to_string(min_delta),
                               "training.early_stopping.restore_best=false"},
                              &dir);
    CHECK(r.status == RunStatus::stopped_early);
    CHECK(static_cast<int64_t>(r.epochs.size()) == expected.stop);
    CHECK(r.best_checkpoint_epoch == expected.best);
    CHECK(r.best_checkpoint_metric == "test_loss");
    CHECK(r.message.find("test_loss did not improve") != std::string::npos);
    CHECK(r.final_test_accuracy() == r.epochs.back().test_accuracy);  // restore_best off: the last weights
    const auto j = to_json(read_report(dir / "report.json"));
    CHECK(j["status"] == "stopped_early");
    CHECK(j["summary"]["stopped_epoch"] == expected.stop);
    CHECK(j["best_checkpoint"]["epoch"] == expected.best);
    CHECK(j["best_checkpoint"]["file"] == "checkpoints/best.safetensors");
  }
  CHECK(stopped >= 2);
  fs::remove_all(results);
}

TEST_CASE("early stopping: restore_best ends the run with weights bit-identical to best.safetensors") {
  const auto results = fresh_results("restore");
  // No epoch can beat the first by more than 0.9 in accuracy: the run stops after epoch 3.
  fs::path dir;
  const Report r =
      run_with(results, {"training.early_stopping={metric: test_accuracy, patience: 2, min_delta: 0.9}"}, &dir);
  CHECK(r.status == RunStatus::stopped_early);
  REQUIRE(r.epochs.size() == 3);
  CHECK(r.best_checkpoint_epoch == 1);
  CHECK(r.final_weights_epoch == 1);
  CHECK(r.final_test_accuracy() == r.epochs[0].test_accuracy);
  CHECK(r.final_train_accuracy() == r.epochs[0].train_accuracy);
  const auto best = parameters(dir / "checkpoints" / "best.safetensors");
  CHECK_FALSE(best.empty());
  CHECK(same_tensors(parameters(dir / "checkpoints" / "last.safetensors"), best));

  SUBCASE("without restore_best the last weights stay") {
    fs::path kept;
    run_with(results,
             {"training.early_stopping={metric: test_accuracy, patience: 2, min_delta: 0.9, restore_best: false}"}, &kept);
    CHECK_FALSE(same_tensors(parameters(kept / "checkpoints" / "last.safetensors"),
                             parameters(kept / "checkpoints" / "best.safetensors")));
  }
  SUBCASE("resuming a run that stopped early changes nothing") {
    const std::string before = read_report(dir / "report.json").finished_at;
    const auto last_written = fs::last_write_time(dir / "checkpoints" / "last.safetensors");
    const RunOutcome again = resume(dir);
    CHECK(again.exit_code == ExitCode::ok);
    CHECK(again.report.status == RunStatus::stopped_early);
    CHECK(again.report.epochs.size() == 3);
    CHECK(read_report(dir / "report.json").finished_at == before);
    CHECK(fs::last_write_time(dir / "checkpoints" / "last.safetensors") == last_written);
  }
  fs::remove_all(results);
}

TEST_CASE("best checkpoint: a resumed run still knows its best epoch and replaces it only with a better one") {
  const auto results = fresh_results("resume-best");
  // Epoch 1 stays the best (nothing beats it by 0.9); patience 10 never stops the 6 epochs.
  const std::vector<std::string> settings{
      "training.early_stopping={metric: test_accuracy, patience: 10, min_delta: 0.9, restore_best: false}"};
  fs::path whole;
  const Report uninterrupted = run_with(results, settings, &whole);
  REQUIRE(uninterrupted.best_checkpoint_epoch == 1);

  // The same run stopped after epoch 3: a 3-epoch run turned into the 6-epoch one's folder, as a
  // kill after the third epoch's checkpoint would leave it.
  std::vector<std::string> three = settings;
  three.push_back("training.epochs=3");
  fs::path dir;
  run_with(results, three, &dir);
  const auto full = load_config_text(quick_config(results), "quick.yaml", settings);
  const std::string hash = hex64(fnv1a64(full.resolved_yaml));
  std::ofstream(dir / "config.yaml") << full.resolved_yaml;
  safetensors::File last = safetensors::read(dir / "checkpoints" / "last.safetensors");
  last.metadata["config_hash"] = hash;
  safetensors::write(dir / "checkpoints" / "last.safetensors", last);

  const RunOutcome resumed = resume(dir);
  CHECK(resumed.report.status == RunStatus::completed);
  CHECK(resumed.report.epochs.size() == 6);
  CHECK(resumed.report.best_checkpoint_epoch == 1);
  CHECK(safetensors::read(dir / "checkpoints" / "best.safetensors").metadata.at("epochs_done") == "1");
  CHECK(same_tensors(parameters(dir / "checkpoints" / "best.safetensors"),
                     parameters(whole / "checkpoints" / "best.safetensors")));
  fs::remove_all(results);
}
