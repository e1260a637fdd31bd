#pragma once
// `expt sweep --dry-run`: the members and what they will cost, from the model's FLOPs.
#include <string>

#include "sweep/expand.hpp"
#include "sweep/manifest.hpp"

namespace expt {

// Sustained training throughput assumed when --gflops is not given, measured on the 2-core
// development machines (docs/sweep.md): a guess for other machines, stated in the output.
double assumed_gflops(const std::string& backend);

// A table of members (id, state, parameters, epochs, images, TFLOP, estimated time) and the
// total. `recorded` (may be null) gives each member's state from an earlier run of the sweep.
// Reads each distinct data set once to count its images.
std::string describe_dry_run(const SweepPlan& plan, const Manifest* recorded, double gflops);

}  // namespace expt
