#include <doctest/doctest.h>

#include <fstream>

#include "compare/run_records.hpp"
#include "compare_test_support.hpp"
#include "core/error.hpp"
#include "data/temp_folder.hpp"

using namespace expt;
using namespace expt::testing;

namespace {

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("load_runs: malformed, partial and older-schema reports are skipped with one warning each") {
  const TempFolder tmp;
  const auto& root = tmp.path();
  const std::string good = to_json(make_report(1, 0.9, 0.95)).dump(2);
  write(root / "a" / "report.json", good);
  write(root / "a" / "config.yaml", "name: g\nseed: 1\ntraining: {dropout: true}\n");
  write(root / "truncated" / "report.json", good.substr(0, good.size() / 2));
  write(root / "truncated" / "config.yaml", "name: g\n");
  auto old = to_json(make_report(2, 0.9, 0.95));
  old["schema_version"] = 0;
  write(root / "old" / "report.json", old.dump());
  write(root / "old" / "config.yaml", "name: g\n");
  auto partial = to_json(make_report(3, 0.9, 0.95));
  partial.erase("timings");
  write(root / "partial" / "report.json", partial.dump());
  write(root / "partial" / "config.yaml", "name: g\n");
  write(root / "not_an_object" / "report.json", "[1, 2, 3]");
  write(root / "no_config" / "report.json", good);
  write(root / "bad_config" / "report.json", good);
  write(root / "bad_config" / "config.yaml", "training: {dropout: [1\n");

  const LoadedRuns loaded = load_runs({root});
  REQUIRE(loaded.runs.size() == 1);
  CHECK(loaded.runs[0].dir == root / "a");
  CHECK(loaded.runs[0].config.at("training.dropout") == "true");
  REQUIRE(loaded.warnings.size() == 6);
  for (const char* name : {"truncated", "old", "partial", "not_an_object", "no_config", "bad_config"}) {
    CAPTURE(name);
    const auto file = (root / name / "report.json").string();
    CHECK(std::count_if(loaded.warnings.begin(), loaded.warnings.end(),
                        [&](const std::string& w) { return w.find(file) != std::string::npos; }) == 1);
  }
  for (const auto& w : loaded.warnings) CHECK(w.find('\n') == std::string::npos);
  CHECK_THROWS_AS(load_runs({root / "missing"}), Error);
}
