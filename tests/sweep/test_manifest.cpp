#include <doctest/doctest.h>

#include "sweep/manifest.hpp"
#include "sweep_test_support.hpp"

using namespace expt;
using namespace expt::testing;

namespace {

Manifest manifest_of(const std::string& sweep_text) {
  const SweepSpec spec = parse_sweep_text(tiny_base("/tmp/r") + sweep_text, "m.yaml");
  return manifest_for(expand_sweep(spec, {}), spec.file);
}

}  // namespace

TEST_CASE("manifest: JSON round trip keeps states, parameters in file order and results") {
  Manifest m = manifest_of("parameters: {training.optimizer.learning_rate: [0.01, 0.001], training.dropout: [true]}\n");
  m.members[1].state = MemberState::diverged;
  m.members[1].message = "loss is NaN at step 4";
  m.members[0].state = MemberState::done;
  m.members[0].final_test_accuracy = 0.75;
  m.members[0].starts = 2;
  const Manifest back = manifest_from_json(nlohmann::json::parse(to_json(m).dump()));
  CHECK(to_json(back).dump() == to_json(m).dump());
  CHECK(back.members[0].parameters.front().first == "training.optimizer.learning_rate");
  CHECK(describe_member_changes(m, back).empty());
}

TEST_CASE("manifest: a changed sweep file is described by what changed") {
  const Manifest before = manifest_of("parameters: {training.dropout: [true, false]}\n");
  CHECK(describe_member_changes(before, manifest_of("parameters: {training.dropout: [false, true]}\n")).empty());

  const std::string added = describe_member_changes(before, manifest_of("parameters: {training.dropout: [true, false]}\nrepeats: 2\n"));
  CHECK(added.find("swept keys were [training.dropout], now [training.dropout, seed]") != std::string::npos);
  // Seed 5 is the base's: those two runs are the recorded ones; seed 6 adds two.
  CHECK(added.find("2 members added: training.dropout=true, seed=6; training.dropout=false, seed=6") != std::string::npos);
  CHECK(added.find("removed") == std::string::npos);
  // The same runs under other parameter names are the same sweep.
  CHECK(describe_member_changes(
            before, manifest_of("parameters: {training.dropout: [true, false], training.optimizer.learning_rate: [0.01]}\n"))
            .empty());

  const std::string more = describe_member_changes(
      before, manifest_of("parameters: {training.dropout: [true, false], training.optimizer.learning_rate: [0.001]}\n"));
  CHECK(more.find("2 members added: training.dropout=true, training.optimizer.learning_rate=0.001") != std::string::npos);
  CHECK(more.find("2 members removed: training.dropout=true; training.dropout=false") != std::string::npos);

  const std::string base = describe_member_changes(
      before, manifest_of("overrides: {training.epochs: 3}\nparameters: {training.dropout: [true, false]}\n"));
  CHECK(base.find("training.epochs 2 -> 3") != std::string::npos);
}
