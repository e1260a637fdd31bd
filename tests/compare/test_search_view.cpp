// What `expt compare` shows of a search: pruned members marked from sweep.json, the best result
// against compute in finishing order, and the swept numeric keys against the metric.
#include <doctest/doctest.h>

#include <fstream>

#include "compare/comparison.hpp"
#include "compare/render.hpp"
#include "compare/search_charts.hpp"
#include "compare_test_support.hpp"
#include "data/temp_folder.hpp"

using namespace expt;
using namespace expt::testing;

namespace {

Report finished_at(Report r, const std::string& when, RunStatus status = RunStatus::completed) {
  r.finished_at = when;
  r.status = status;
  return r;
}

}  // namespace

TEST_CASE("compare: members sweep.json records as pruned are marked pruned, as early-stopped ones stopped_early") {
  const TempFolder tmp;
  const auto sweep = tmp.path() / "search";
  auto write_member = [&](const std::string& id, const Report& report, const std::string& lr) {
    std::filesystem::create_directories(sweep / id);
    std::ofstream(sweep / id / "report.json") << to_json(report).dump(2);
    std::ofstream(sweep / id / "config.yaml") << "name: search\ntraining: {optimizer: {learning_rate: " + lr + "}}\n";
  };
  write_member("aaa", make_report(1, 0.9, 0.95), "0.001");
  write_member("bbb", finished_at(make_report(1, 0.5, 0.6, 1), "t", RunStatus::paused), "0.01");
  write_member("ccc", finished_at(make_report(1, 0.7, 0.8, 2), "t", RunStatus::stopped_early), "0.1");
  std::ofstream(sweep / "sweep.json")
      << R"({"members": [{"id": "aaa", "state": "done"}, {"id": "bbb", "state": "pruned"}, {"id": "ccc", "state": "stopped_early"}]})";

  const LoadedRuns loaded = load_runs({tmp.path()});
  REQUIRE(loaded.runs.size() == 3);
  CHECK(loaded.runs[0].status() == "completed");
  CHECK(loaded.runs[1].status() == "pruned");
  CHECK(loaded.runs[1].pruned);
  CHECK(loaded.runs[2].status() == "stopped_early");
  const Comparison c = compare_runs(loaded.runs, {});
  std::string statuses;
  for (const auto& g : c.groups) statuses += g.status + ";";
  CHECK(statuses.find("1 pruned") != std::string::npos);
  CHECK(statuses.find("1 stopped_early") != std::string::npos);
  CHECK(render_text_table(c).find("1 pruned") != std::string::npos);
  CompareOptions only_pruned;
  only_pruned.filters = {"status=pruned"};
  CHECK(compare_runs(loaded.runs, only_pruned).runs.size() == 1);
}

TEST_CASE("compare: the best result so far against epochs summed over runs in the order they finished") {
  std::vector<RunRecord> runs;
  runs.push_back(make_run("late", {{"k", "1"}}, finished_at(make_report(1, 0.9, 0.9, 5), "2026-01-01T00:00:03Z")));
  runs.push_back(make_run("first", {{"k", "2"}}, finished_at(make_report(1, 0.6, 0.9, 1), "2026-01-01T00:00:01Z")));
  runs.push_back(make_run("worse", {{"k", "3"}}, finished_at(make_report(1, 0.5, 0.9, 3), "2026-01-01T00:00:02Z")));
  Report nan = finished_at(make_report(1, 0.0, 0.0, 2), "2026-01-01T00:00:04Z", RunStatus::diverged);
  runs.push_back(make_run("nan", {{"k", "4"}}, nan));
  const ChartSeries s = best_so_far(compare_runs(runs, {}));
  CHECK(s.x == std::vector<double>{1, 4, 9, 11});
  CHECK(s.y == std::vector<double>{0.6, 0.6, 0.9, 0.9});

  CompareOptions by_gap;
  by_gap.metric = "train_test_gap";  // lower is better
  const ChartSeries gap = best_so_far(compare_runs(runs, by_gap));
  CHECK(gap.y[0] == doctest::Approx(0.3));
  CHECK(gap.y[2] == doctest::Approx(0.0));
}

TEST_CASE("compare: a random search's numeric keys get a chart each against the metric; a two-value key does not") {
  std::vector<RunRecord> runs;
  const char* rates[] = {"0.001", "0.0004512", "0.002", "3e-3", "0.0007"};
  for (int i = 0; i < 5; ++i)
    runs.push_back(make_run("r" + std::to_string(i),
                            {{"training.optimizer.learning_rate", rates[i]}, {"training.dropout", i % 2 ? "true" : "false"},
                             {"seed", std::to_string(i)}},
                            make_report(static_cast<uint64_t>(i), 0.5 + 0.1 * i, 0.9)));
  const std::string charts = numeric_key_charts(compare_runs(runs, {}));
  CHECK(charts.find("final_test_accuracy by training.optimizer.learning_rate") != std::string::npos);
  CHECK(charts.find("training.dropout") == std::string::npos);
  CHECK(charts.find("by seed") == std::string::npos);
  size_t dots = 0;
  for (size_t at = charts.find("<circle"); at != std::string::npos; at = charts.find("<circle", at + 1)) ++dots;
  CHECK(dots == 5);
  CHECK(charts.find("<polyline") == std::string::npos);  // a scatter
  CHECK(render_html(compare_runs(runs, {})).find("by training.optimizer.learning_rate") != std::string::npos);
}
