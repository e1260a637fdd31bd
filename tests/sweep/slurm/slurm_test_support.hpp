#pragma once
// A tiny sweep (generated 12x12 images, reference backend) for the Slurm launcher's tests.
#include <filesystem>
#include <string>

#include "sweep/expand.hpp"
#include "sweep/sweep_spec.hpp"
#include "sweep/sweep_test_support.hpp"  // tests/sweep

namespace expt::testing {

inline std::filesystem::path tiny_sweep_file(const std::filesystem::path& dir, const std::string& parameters) {
  return write_sweep(dir, "s", tiny_base(dir / "results") + parameters);
}

inline SweepPlan tiny_plan(const std::filesystem::path& dir, const std::string& parameters) {
  return expand_sweep(read_sweep_file(tiny_sweep_file(dir, parameters)), {});
}

}  // namespace expt::testing
