#include <doctest/doctest.h>

#include "compare/comparison.hpp"
#include "compare_test_support.hpp"

using namespace expt;
using namespace expt::testing;

namespace {

FlatConfig config(const std::string& dropout, const std::string& lr, uint64_t seed) {
  return {{"name", "grid"},
          {"seed", std::to_string(seed)},
          {"results_dir", "results"},
          {"threads", std::to_string(seed)},  // ignored: it only says how fast
          {"training.dropout", dropout},
          {"training.optimizer.learning_rate", lr},
          {"training.epochs", "3"}};
}

// Dropout on/off x two learning rates x three seeds.
std::vector<RunRecord> grid_runs() {
  std::vector<RunRecord> runs;
  const double with[] = {0.89, 0.90, 0.88}, without[] = {0.80, 0.82, 0.81};
  for (const char* lr : {"0.001", "1e-4"})
    for (uint64_t s = 0; s < 3; ++s) {
      const double shift = std::string(lr) == "0.001" ? 0 : -0.1;
      runs.push_back(make_run("with", config("true", lr, s), make_report(s, with[s] + shift, 0.95 + shift)));
      runs.push_back(make_run("without", config("false", lr, s), make_report(s, without[s] + shift, 1.0 + shift)));
    }
  return runs;
}

}  // namespace

TEST_CASE("compare: differing keys become columns; seed, name, results_dir and threads do not") {
  const Comparison c = compare_runs(grid_runs(), {});
  CHECK(c.keys == std::vector<std::string>{"training.dropout", "training.optimizer.learning_rate"});
  CHECK(c.run_keys == std::vector<std::string>{"seed", "training.dropout", "training.optimizer.learning_rate"});
  REQUIRE(c.groups.size() == 4);
  for (const auto& g : c.groups) CHECK(g.counted.size() == 3);
}

TEST_CASE("compare: groups are sorted best first, with mean and std over seeds") {
  const Comparison c = compare_runs(grid_runs(), {});
  CHECK(c.groups[0].values == std::vector<std::string>{"true", "0.001"});
  CHECK(c.groups[0].metrics[0].mean == doctest::Approx(0.89));
  CHECK(c.groups[0].metrics[0].std == doctest::Approx(0.01));
  CHECK(c.groups[3].values == std::vector<std::string>{"false", "1e-4"});

  CompareOptions by_gap;
  by_gap.metric = "train_test_gap";  // lower is better
  const Comparison g = compare_runs(grid_runs(), by_gap);
  CHECK(g.groups[0].metrics[3].mean <= g.groups[1].metrics[3].mean);
}

TEST_CASE("compare: pairs that differ in one key get Welch intervals") {
  const Comparison c = compare_runs(grid_runs(), {});
  // 2 x 2 grid: the dropout effect at each learning rate and the learning-rate effect at each
  // dropout setting.
  REQUIRE(c.differences.size() == 4);
  const GroupDifference* dropout = nullptr;
  for (const auto& d : c.differences)
    if (d.key == "training.dropout" && c.groups[d.better].values[1] == "0.001") dropout = &d;
  REQUIRE(dropout);
  CHECK(c.groups[dropout->better].values[0] == "true");
  REQUIRE(dropout->metrics[0].metric->name == "final_test_accuracy");
  REQUIRE(dropout->metrics[0].welch);
  // The hand-worked example in test_statistics.cpp: 0.08, [0.0573305, 0.1026695].
  CHECK(dropout->metrics[0].welch->difference == doctest::Approx(0.08));
  CHECK(dropout->metrics[0].welch->low == doctest::Approx(0.0573305).epsilon(1e-6));
  CHECK(dropout->metrics[1].metric->name == "train_test_gap");
  CHECK(c.context(*dropout) == "training.optimizer.learning_rate=0.001");
}

TEST_CASE("compare: --group-by pools the other keys; --filter keeps matching runs") {
  CompareOptions options;
  options.group_by = {"training.dropout"};
  const Comparison c = compare_runs(grid_runs(), options);
  REQUIRE(c.groups.size() == 2);
  CHECK(c.groups[0].counted.size() == 6);
  REQUIRE(c.differences.size() == 1);
  CHECK(c.differences[0].key == "training.dropout");

  CompareOptions filtered;
  filtered.filters = {"training.optimizer.learning_rate=1.0e-4"};  // numerically equal to 1e-4
  const Comparison f = compare_runs(grid_runs(), filtered);
  CHECK(f.runs.size() == 6);
  CHECK(f.keys == std::vector<std::string>{"training.dropout"});

  CompareOptions unknown;
  unknown.filters = {"training.dropuot=true"};
  CHECK_THROWS_WITH(compare_runs(grid_runs(), unknown), doctest::Contains("training.dropuot"));
  CompareOptions bad_metric;
  bad_metric.metric = "accuracy";
  CHECK_THROWS_WITH(compare_runs(grid_runs(), bad_metric), doctest::Contains("final_test_accuracy"));
}

TEST_CASE("compare: statistics use completed runs; a lone run gets no interval") {
  auto runs = grid_runs();
  runs.resize(4);  // lr 0.001: with/without for seeds 0 and 1
  Report diverged = make_report(9, 0.1, 0.1);
  diverged.status = RunStatus::diverged;
  runs.push_back(make_run("bad", config("true", "0.001", 9), diverged));
  const Comparison c = compare_runs(runs, {});
  REQUIRE(c.groups.size() == 2);
  CHECK(c.groups[0].runs.size() == 3);
  CHECK(c.groups[0].counted.size() == 2);
  CHECK(c.groups[0].status == "2 completed, 1 diverged");

  runs.resize(3);
  const Comparison lone = compare_runs(runs, {});
  REQUIRE(lone.differences.size() == 1);
  CHECK_FALSE(lone.differences[0].metrics[0].welch);
}
