// What a sweep makes of members that stop early, and what TensorBoard's HParams dashboard is
// told about the sweep: only the keys its members differ in.
#include <doctest/doctest.h>

#include <set>

#include "experiment/report.hpp"
#include "sweep/manifest.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep_test_support.hpp"
#include "tb_hparams.pb.h"
#include "tensorboard/event_reader.hpp"

using namespace expt;
using namespace expt::testing;
namespace fs = std::filesystem;

namespace {

SweepOptions quiet() {
  SweepOptions o;
  o.quiet = true;
  return o;
}

tb::HParamsPluginData hparams_with_tag(const fs::path& event_file, const std::string& tag) {
  const auto found = test::values_with_tag(test::read_events(event_file), tag);
  REQUIRE(found.size() == 1);
  tb::HParamsPluginData data;
  REQUIRE(data.ParseFromString(found[0].value.metadata().plugin_data().content()));
  return data;
}

// Two learning rates, with and without early stopping that gives up after epoch 2 of 3 (no
// epoch can beat the first by more than 0.9 in accuracy).
std::string early_stopping_sweep(const fs::path& results) {
  return tiny_base(results) + R"(
overrides: {training.epochs: 3, tensorboard.enabled: true}
parameters:
  training.optimizer.learning_rate: [0.01, 0.02]
  training.early_stopping: [{metric: test_accuracy, patience: 1, min_delta: 0.9}, null]
)";
}

}  // namespace

TEST_CASE("sweep: a member that stops early is finished, recorded as stopped_early and not run again") {
  const TempFolder tmp;
  const auto file = write_sweep(tmp.path(), "es", early_stopping_sweep(tmp.path() / "results"));
  REQUIRE(run_sweep(file, quiet()) == 0);
  const fs::path sweep_dir = tmp.path() / "results" / "es";
  const Manifest m = read_manifest(sweep_dir / "sweep.json");
  REQUIRE(m.members.size() == 4);
  for (const auto& r : m.members) {
    const bool stops = describe(r.parameters).find("min_delta") != std::string::npos;
    CAPTURE(describe(r.parameters));
    CHECK(r.state == (stops ? MemberState::stopped_early : MemberState::done));
    CHECK(r.epochs_done == (stops ? 2 : 3));
    const RunStatus status = read_report(sweep_dir / r.id / "report.json").status;
    CHECK(status == (stops ? RunStatus::stopped_early : RunStatus::completed));
  }

  CHECK(run_sweep(file, quiet()) == 0);
  for (const auto& r : read_manifest(sweep_dir / "sweep.json").members) CHECK(r.starts == 1);

  SUBCASE("a report that says stopped_early is adopted when the manifest missed the end") {
    Manifest edited = read_manifest(sweep_dir / "sweep.json");
    for (auto& r : edited.members) r.state = MemberState::running;
    write_manifest(sweep_dir / "sweep.json", edited);
    CHECK(run_sweep(file, quiet()) == 0);
    for (const auto& r : read_manifest(sweep_dir / "sweep.json").members) {
      CHECK(r.starts == 1);
      CHECK((r.state == MemberState::done || r.state == MemberState::stopped_early));
    }
  }
}

TEST_CASE("sweep: the HParams experiment summary and each member's session list only the keys the sweep varies") {
  const TempFolder tmp;
  const auto file = write_sweep(tmp.path(), "hp", early_stopping_sweep(tmp.path() / "results"));
  REQUIRE(run_sweep(file, quiet()) == 0);
  const fs::path sweep_dir = tmp.path() / "results" / "hp";

  const auto experiment =
      hparams_with_tag(sweep_dir / "events.out.tfevents.sweep-hparams", "_hparams_/experiment").experiment();
  std::set<std::string> names;
  for (const auto& info : experiment.hparam_infos()) names.insert(info.name());
  const std::set<std::string> varied{"training.early_stopping.metric", "training.early_stopping.min_delta",
                                     "training.early_stopping.patience", "training.early_stopping.restore_best",
                                     "training.optimizer.learning_rate"};
  CHECK(names == varied);
  for (const auto& info : experiment.hparam_infos())
    if (info.name() == "training.optimizer.learning_rate") {
      CHECK(info.type() == tb::DATA_TYPE_FLOAT64);
      CHECK(info.domain_discrete().values_size() == 2);
    }
  CHECK(experiment.metric_infos_size() == 3);

  for (const auto& r : read_manifest(sweep_dir / "sweep.json").members) {
    CAPTURE(describe(r.parameters));
    const auto session = hparams_with_tag(test::single_event_file(sweep_dir / r.id / "tensorboard"),
                                          "_hparams_/session_start_info");
    std::set<std::string> keys;
    for (const auto& [key, value] : session.session_start_info().hparams()) keys.insert(key);
    const bool stops = describe(r.parameters).find("min_delta") != std::string::npos;
    CHECK(keys == (stops ? varied : std::set<std::string>{"training.optimizer.learning_rate"}));
  }
}
