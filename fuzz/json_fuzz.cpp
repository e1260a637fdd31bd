// libFuzzer target: the JSON files other processes (or people) leave in results folders, read
// as `expt compare` and `expt sweep` read them: report.json through report_from_json and then
// every compare output format, and sweep.json through manifest_from_json. A malformed file is
// skipped with a warning (any std::exception); a crash, hang or unbounded memory is a finding.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include <nlohmann/json.hpp>

#include "compare/comparison.hpp"
#include "compare/render.hpp"
#include "experiment/report.hpp"
#include "sweep/manifest.hpp"

namespace {

void compare_report(const nlohmann::json& j) {
  expt::RunRecord run;
  run.dir = "fuzz-run";
  run.report = expt::report_from_json(j);
  run.config = {{"seed", "0"}, {"training.dropout", "true"}};
  expt::RunRecord other = run;
  other.dir = "fuzz-run-2";
  other.config["training.dropout"] = "false";
  const expt::Comparison c = expt::compare_runs({run, other}, {});
  for (const char* format : {"table", "markdown", "csv", "json", "html"})
    expt::render_comparison(c, expt::parse_compare_format(format));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception&) {
    return 0;  // not JSON: skipped with a warning
  }
  try {
    compare_report(j);
  } catch (const std::exception&) {
  }
  try {
    expt::manifest_from_json(j);
  } catch (const std::exception&) {
  }
  return 0;
}
