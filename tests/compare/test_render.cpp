#include <doctest/doctest.h>

#include <chrono>

#include "compare/render.hpp"
#include "compare_test_support.hpp"

using namespace expt;
using namespace expt::testing;

namespace {

Comparison dropout_comparison() {
  std::vector<RunRecord> runs;
  for (uint64_t s = 0; s < 3; ++s) {
    runs.push_back(make_run("w" + std::to_string(s), {{"seed", std::to_string(s)}, {"training.dropout", "true"}},
                            make_report(s, 0.88 + 0.01 * static_cast<double>(s), 0.9)));
    runs.push_back(make_run("n" + std::to_string(s), {{"seed", std::to_string(s)}, {"training.dropout", "false"}},
                            make_report(s, 0.80 + 0.01 * static_cast<double>(s), 1.0)));
  }
  return compare_runs(runs, {});
}

}  // namespace

TEST_CASE("render: the table names the key, mean ± std, and the interval with a verdict") {
  const std::string text = render_text_table(dropout_comparison());
  CHECK(text.find("training.dropout") != std::string::npos);
  CHECK(text.find("0.8900 ± 0.0100") != std::string::npos);
  CHECK(text.find("training.dropout=true vs false, n=3 vs 3") != std::string::npos);
  CHECK(text.find("final_test_accuracy: +0.0800, 95% CI [+0.0573, +0.1027]") != std::string::npos);
  CHECK(text.find("real: the interval excludes 0") != std::string::npos);
}

TEST_CASE("render: Markdown, CSV and JSON carry the same groups") {
  const Comparison c = dropout_comparison();
  CHECK(render_markdown(c).find("| true | 3 | 0.8900 ± 0.0100 |") != std::string::npos);
  const std::string csv = render_csv(c);
  CHECK(csv.starts_with("training.dropout,n,final_test_accuracy_mean,final_test_accuracy_std,"));
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 3);
  const auto j = nlohmann::json::parse(render_json(c));
  CHECK(j["groups"].size() == 2);
  CHECK(j["differences"][0]["metrics"]["final_test_accuracy"]["low"].get<double>() == doctest::Approx(0.0573305).epsilon(1e-6));
  CHECK(j["runs"].size() == 6);
}

TEST_CASE("render: the HTML page is self-contained, with one chart per curve") {
  const std::string html = render_html(dropout_comparison());
  CHECK(html.starts_with("<!DOCTYPE html>"));
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);
  size_t charts = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++charts;
  CHECK(charts == 5);  // four learning curves, and the best result against epochs trained
  CHECK(html.find("Search progress") != std::string::npos);
  CHECK(html.find("<polygon") != std::string::npos);  // the ±std band of a 3-run group
  CHECK(html.find("Config differences") != std::string::npos);
}

TEST_CASE("render: Markdown shows config values as text, escaped as the HTML page escapes them") {
  std::vector<RunRecord> runs;
  for (uint64_t s = 0; s < 2; ++s) {
    runs.push_back(make_run("a" + std::to_string(s), {{"seed", std::to_string(s)}, {"name", "x"}, {"data.root", "<script>alert(1)</script>"}},
                            make_report(s, 0.9, 0.9)));
    runs.push_back(make_run("b" + std::to_string(s), {{"seed", std::to_string(s)}, {"data.root", "[x](javascript:1) | *b*"}},
                            make_report(s, 0.8, 0.9)));
  }
  const std::string md = render_markdown(compare_runs(runs, {}));
  CHECK(md.find("<script") == std::string::npos);
  CHECK(md.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(md.find("\\[x\\](javascript:1) \\| \\*b\\*") != std::string::npos);
}

TEST_CASE("render: a report claiming epoch 10^12 is drawn at once") {
  Report r = make_report(0, 0.9, 0.9);
  r.epochs.back().epoch = 1'000'000'000'000;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string html = render_html(compare_runs({make_run("a", {{"seed", "0"}}, r)}, {}));
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 2);
  CHECK(html.find("<svg") != std::string::npos);
}

TEST_CASE("compare: a group mixing CPU thread counts is warned about") {
  std::vector<RunRecord> runs;
  for (uint64_t s = 0; s < 3; ++s) {
    Report r = make_report(s, 0.9, 0.9);
    r.threads = s == 0 ? 1 : 2;
    runs.push_back(make_run(std::string("r").append(std::to_string(s)), {{"seed", std::to_string(s)}, {"threads", s == 0 ? "1" : "0"}}, r));
  }
  const Comparison c = compare_runs(runs, {});
  REQUIRE(c.warnings.size() == 1);
  CHECK(c.warnings[0] == "warning: group all runs mixes runs on 1, 2 CPU threads; results differ between thread counts, "
                         "so its spread is not only the seeds'");
  runs[0].report.threads = 2;
  CHECK(compare_runs(runs, {}).warnings.empty());
}

TEST_CASE("render: a group whose runs all diverged is shown as diverged, never as a 0 ± 0 comparison") {
  std::vector<RunRecord> runs;
  for (uint64_t s = 0; s < 3; ++s) {
    const std::string seed = std::to_string(s);
    runs.push_back(make_run("ok" + seed, {{"seed", seed}, {"training.optimizer.learning_rate", "0.001"}},
                            make_report(s, 0.88 + 0.01 * static_cast<double>(s), 0.9)));
    Report nan = make_report(s, 0, 0, 0);
    nan.status = RunStatus::diverged;
    nan.message = "the loss became nan at step 1";
    runs.push_back(make_run("nan" + seed, {{"seed", seed}, {"training.optimizer.learning_rate", "10"}}, nan));
  }
  const Comparison c = compare_runs(runs, {});
  REQUIRE(c.groups.size() == 2);
  CHECK_FALSE(c.groups[0].diverged);
  CHECK(c.groups[1].diverged);
  CHECK(c.groups[1].counted.empty());
  CHECK(c.differences.empty());

  const std::string text = render_text_table(c);
  CHECK(text.find("CI [") == std::string::npos);
  CHECK(text.find("training.optimizer.learning_rate=10: every run diverged, so it is not compared") != std::string::npos);
  const size_t row = text.find("\n10 ");
  REQUIRE(row != std::string::npos);
  const std::string cells = text.substr(row + 1, text.find('\n', row + 1) - row - 1);
  size_t marks = 0;
  for (size_t at = cells.find("diverged"); at != std::string::npos; at = cells.find("diverged", at + 1)) ++marks;
  CHECK(marks == all_metrics().size() + 1);  // every metric cell, and the status "3 diverged"
  CHECK(cells.find("±") == std::string::npos);
  CHECK(render_markdown(c).find("every run diverged") != std::string::npos);
  CHECK(render_html(c).find("every run diverged") != std::string::npos);
  CHECK(render_csv(c).find("10,0,,,") != std::string::npos);
  const auto j = nlohmann::json::parse(render_json(c));
  CHECK(j["groups"][1]["diverged"] == true);
  CHECK(j["differences"].empty());

  SUBCASE("a stopped-early run counts as a finished result, marked in the status") {
    Report stopped = make_report(7, 0.9, 0.9);
    stopped.status = RunStatus::stopped_early;
    runs.push_back(make_run("stopped", {{"seed", "7"}, {"training.optimizer.learning_rate", "0.001"}}, stopped));
    const Comparison with = compare_runs(runs, {});
    CHECK(with.groups[0].counted.size() == 4);
    CHECK(with.groups[0].status == "3 completed, 1 stopped_early");
  }
}
