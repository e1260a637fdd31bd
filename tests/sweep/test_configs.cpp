#include <doctest/doctest.h>

#include <filesystem>

#include "core/error.hpp"
#include "sweep/asha.hpp"
#include "sweep/expand.hpp"

using namespace expt;
namespace fs = std::filesystem;

// The config tests skip files with a `base:`; these are they. Each must parse, and expand where
// its data set is installed (Fashion-MNIST comes with scripts/bootstrap; the pets need a fetch).
TEST_CASE("every sweep file in configs/ parses and expands") {
  const fs::path configs = fs::path(EXPT_SOURCE_DIR) / "configs";
  int sweeps = 0;
  for (const std::string name : {"grid.yaml", "fashion_grid.yaml", "synthetic_grid.yaml"}) {
    CAPTURE(name);
    const SweepSpec spec = read_sweep_file(configs / name);
    ++sweeps;
    CHECK(spec.parameters.front().key == "training.dropout");
    CHECK(spec.parameters.front().values == std::vector<std::string>{"true", "false"});
    try {
      const SweepPlan plan = expand_sweep(spec, {});
      CHECK(plan.members.size() >= 4);
      for (const auto& m : plan.members) CHECK(m.config.name == spec.name);
    } catch (const DataError& e) {
      MESSAGE("not expanded, its data set is missing here: " << std::string(e.what()));
    }
  }
  CHECK(sweeps == 3);
}

TEST_CASE("the random search example draws 24 trials under ASHA with rungs 1, 3, 5") {
  const SweepSpec spec = read_sweep_file(fs::path(EXPT_SOURCE_DIR) / "configs" / "fashion_search.yaml");
  CHECK(spec.trials == 24);
  CHECK(spec.scheduler.enabled());
  CHECK(asha_rungs(spec.scheduler) == std::vector<int64_t>{1, 3, 5});
  try {
    const SweepPlan plan = expand_sweep(spec, {});
    CHECK(plan.members.size() == 24);
    for (const auto& m : plan.members) CHECK(m.config.training.epochs == 5);
  } catch (const DataError& e) {
    MESSAGE("not expanded, its data set is missing here: " << std::string(e.what()));
  }
}
