// libFuzzer target: config loading from an in-memory document, with `key.path=value` overrides
// and `${...}` interpolation, through schema checks, the data probe and the network plan.
// The input is YAML text, then optionally a line `#overrides`, then one override per line.
// Every rejection must be an expt::Error (a named config or data error); any other exception,
// a crash, a hang or unbounded memory is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/load_config.hpp"
#include "core/error.hpp"

namespace {

constexpr std::string_view kOverridesLine = "\n#overrides\n";

// The probe must not scan real folders (`root: /` would walk the whole file system).
const std::vector<std::string> kNoRealData{"data.root=/nonexistent/expt-config-fuzz",
                                           "data.test_root=/nonexistent/expt-config-fuzz"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find(kOverridesLine);
  const std::string_view yaml = input.substr(0, split);
  std::vector<std::string> overrides;
  if (split != std::string_view::npos) {
    std::string_view rest = input.substr(split + kOverridesLine.size());
    while (!rest.empty()) {
      const size_t end = rest.find('\n');
      overrides.emplace_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  }
  overrides.insert(overrides.end(), kNoRealData.begin(), kNoRealData.end());
  try {
    const expt::ExperimentConfig config = expt::load_config_text(yaml, "fuzz.yaml", overrides);
    // The resolved config must load again to the same text (docs/config.md).
    if (expt::load_config_text(config.resolved_yaml, "resolved.yaml", kNoRealData).resolved_yaml != config.resolved_yaml)
      __builtin_trap();
  } catch (const expt::Error&) {
    // A named error with its exit code: what bad input should give.
  }
  return 0;
}
