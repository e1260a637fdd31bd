// The run folder against kills and damage: what a kill -9 can leave behind, and checkpoints whose
// bytes or metadata were changed, must resume correctly or fail with a named ReadError.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "config/load_config.hpp"
#include "core/error.hpp"
#include "experiment/run_recorder.hpp"
#include "core/safetensors.hpp"
#include "run_test_support.hpp"

using namespace expt;
namespace fs = std::filesystem;

namespace {

// A finished two-epoch run; returns its folder.
fs::path finished_run(const fs::path& results) {
  const auto cfg = load_config_text(quick_config(results), "quick.yaml", {"training.epochs=2"});
  return run_experiment(cfg, quiet()).run_dir;
}

RunOutcome resume(const fs::path& run_dir) {
  RunOptions options = quiet();
  options.resume_dir = run_dir;
  const auto cfg = load_config(run_dir / "config.yaml");
  return run_experiment(cfg, options);
}

void change_metadata(const fs::path& checkpoint, const std::string& key, const std::string& value) {
  safetensors::File file = safetensors::read(checkpoint);
  file.metadata[key] = value;
  safetensors::write(checkpoint, file);
}

}  // namespace

TEST_CASE("run recorder: an epoch is in report.json before its checkpoint is written") {
  const auto results = fresh_results("order");
  const auto cfg = load_config_text(quick_config(results), "quick.yaml");
  const auto net = reference_network(cfg);
  // A folder where the checkpoint goes makes its write fail: the moment a kill could stop it.
  const fs::path run_dir = results / "run";
  fs::create_directories(run_dir / "checkpoints" / "last.safetensors" / "in-the-way");
  Report report;
  const auto recorder = make_run_recorder(report, run_dir);
  RunContext ctx;
  ctx.config = &cfg;
  recorder->on_start(ctx, *net);
  EpochLog epoch;
  epoch.step = 12;
  CHECK_THROWS_AS(recorder->on_epoch(epoch, *net), IoError);
  CHECK(read_report(run_dir / "report.json").epochs.size() == 1);
  fs::remove_all(results);
}

TEST_CASE("resume: a report ahead of the checkpoint is cut back; one behind it is refused") {
  const auto results = fresh_results("behind");
  const fs::path run_dir = finished_run(results);
  Report report = read_report(run_dir / "report.json");
  report.epochs.pop_back();
  write_report(run_dir / "report.json", report);
  CHECK_THROWS_WITH_AS(resume(run_dir), doctest::Contains("report.json records 1 epochs but the checkpoint has 2"),
                       ReadError);
  fs::remove_all(results);
}

TEST_CASE("resume: temporary files of killed atomic writes are removed") {
  const auto results = fresh_results("temporaries");
  const fs::path run_dir = finished_run(results);
  const fs::path abandoned[] = {run_dir / ".report.json.tmp-a1B2c3",
                                run_dir / "checkpoints" / ".last.safetensors.tmp-XyZ789"};
  for (const auto& file : abandoned) std::ofstream(file) << "half-written";
  std::ofstream(run_dir / "notes.tmp-keep") << "not ours";
  CHECK(resume(run_dir).report.status == RunStatus::completed);
  for (const auto& file : abandoned) CHECK_FALSE(fs::exists(file));
  CHECK(fs::exists(run_dir / "notes.tmp-keep"));
  fs::remove_all(results);
}

TEST_CASE("resume: a checkpoint with scrambled tensor bytes is a ReadError naming the tensor") {
  const auto results = fresh_results("scrambled");
  const fs::path run_dir = finished_run(results);
  const fs::path checkpoint = run_dir / "checkpoints" / "last.safetensors";
  {
    std::fstream file(checkpoint, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(-1, std::ios::end);  // the last byte of the last tensor
    file.put('\x5a');
  }
  CHECK_THROWS_WITH_AS(resume(run_dir), doctest::Contains("' is corrupt: its bytes have CRC-32"), ReadError);
  fs::remove_all(results);
}

TEST_CASE("resume: checkpoint metadata that is not a count is a ReadError naming the key") {
  const auto results = fresh_results("metadata");
  const fs::path run_dir = finished_run(results);
  const fs::path checkpoint = run_dir / "checkpoints" / "last.safetensors";
  change_metadata(checkpoint, "epochs_done", "x");
  CHECK_THROWS_WITH_AS(resume(run_dir), doctest::Contains("metadata 'epochs_done' is 'x', not a whole number"),
                       ReadError);
  change_metadata(checkpoint, "epochs_done", "2");
  change_metadata(checkpoint, "step", "-5");
  CHECK_THROWS_WITH_AS(resume(run_dir), doctest::Contains("metadata 'step' is '-5', not a whole number"), ReadError);
  fs::remove_all(results);
}
