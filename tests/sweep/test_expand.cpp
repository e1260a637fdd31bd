#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "core/error.hpp"
#include "sweep/expand.hpp"
#include "sweep_test_support.hpp"

using namespace expt;
using namespace expt::testing;

TEST_CASE("expand: the grid is the product in file order, seeds innermost, every member checked") {
  const SweepSpec spec = parse_sweep_text(tiny_base("/tmp/r") + R"(
name: g
parameters:
  training.dropout: [true, false]
  training.optimizer.learning_rate: [0.01, 0.001]
repeats: 2
)", "g.yaml");
  const SweepPlan plan = expand_sweep(spec, {});
  REQUIRE(plan.members.size() == 8);
  CHECK(plan.dir == std::filesystem::path("/tmp/r/g"));
  CHECK(plan.parameter_keys == std::vector<std::string>{"training.dropout", "training.optimizer.learning_rate", "seed"});
  CHECK(describe(plan.members[0].parameters) == "training.dropout=true, training.optimizer.learning_rate=0.01, seed=5");
  CHECK(describe(plan.members[1].parameters) == "training.dropout=true, training.optimizer.learning_rate=0.01, seed=6");
  CHECK(describe(plan.members[2].parameters) == "training.dropout=true, training.optimizer.learning_rate=0.001, seed=5");
  CHECK(describe(plan.members[7].parameters) == "training.dropout=false, training.optimizer.learning_rate=0.001, seed=6");
  CHECK(plan.members[7].config.training.dropout == false);
  CHECK(plan.members[7].config.seed == 6);
  CHECK(plan.members[2].config.training.optimizer.learning_rate == doctest::Approx(0.001));
  CHECK(plan.members[0].config.name == "g");

  std::set<std::string> ids;
  for (const auto& m : plan.members) ids.insert(m.id);
  CHECK(ids.size() == 8);
  // Stable: the same file gives the same ids; the id is the hash of the resolved config.
  const SweepPlan again = expand_sweep(spec, {});
  for (size_t i = 0; i < 8; ++i) CHECK(again.members[i].id == plan.members[i].id);
  CHECK(plan.members[0].id.size() == 16);
}

TEST_CASE("expand: a seed list, command-line overrides, and duplicate points") {
  const SweepSpec spec = parse_sweep_text(tiny_base("/tmp/r") + R"(
parameters:
  training.optimizer.learning_rate: [0.01, 1.0e-2, 0.001]
seed: [3, 4]
)", "s.yaml");
  const SweepPlan plan = expand_sweep(spec, {"training.batch_size=10"});
  CHECK(plan.members.size() == 4);  // 0.01 and 1.0e-2 resolve to the same config
  CHECK(plan.duplicates == 2);
  CHECK(plan.members[0].config.training.batch_size == 10);
  CHECK(plan.members[1].config.seed == 4);
}

TEST_CASE("expand: random trials are a pure function of the sample seed") {
  auto spec_with = [](int sample_seed, int trials) {
    return parse_sweep_text(tiny_base("/tmp/r") + "trials: " + std::to_string(trials) +
                                "\nsample_seed: " + std::to_string(sample_seed) + R"(
parameters:
  training.optimizer.learning_rate: {log_uniform: [1.0e-4, 1.0e-1]}
  model.layers.drop1.rate: {uniform: [0.1, 0.6]}
  training.batch_size: {choice: [10, 20, 30]}
)", "r.yaml");
  };
  const auto a = sweep_points(spec_with(1, 6)), b = sweep_points(spec_with(1, 6)), c = sweep_points(spec_with(2, 6));
  CHECK(a == b);
  CHECK(a != c);
  const auto more = sweep_points(spec_with(1, 9));
  CHECK(std::equal(a.begin(), a.end(), more.begin()));  // adding trials keeps the earlier ones
  std::set<std::string> batch_sizes;
  for (const auto& point : more) {
    const double lr = std::stod(point[0].second), rate = std::stod(point[1].second);
    CHECK(lr >= 1e-4);
    CHECK(lr < 1e-1);
    CHECK(rate >= 0.1);
    CHECK(rate < 0.6);
    batch_sizes.insert(point[2].second);
  }
  CHECK(batch_sizes.size() > 1);
  CHECK(expand_sweep(spec_with(1, 6), {}).members.size() == 6);
}

TEST_CASE("expand: an invalid member stops the sweep before anything runs, naming it") {
  const SweepSpec spec = parse_sweep_text(tiny_base("/tmp/r") + "parameters: {training.epochs: [1, -1]}\n", "bad.yaml");
  CHECK_THROWS_WITH_AS(expand_sweep(spec, {}), doctest::Contains("bad.yaml: sweep member training.epochs=-1"), ConfigError);
}
