#pragma once
// Runs made up in memory for the compare tests.
#include <filesystem>
#include <string>
#include <vector>

#include "compare/run_records.hpp"

namespace expt::testing {

// A completed run with `epochs` epochs whose test accuracy climbs to `final_test` and train
// accuracy to `final_train`.
inline Report make_report(uint64_t seed, double final_test, double final_train, int epochs = 3) {
  Report r;
  r.name = "grid";
  r.run_id = "run-" + std::to_string(seed);
  r.config_hash = "0";
  r.backend = "reference";
  r.status = RunStatus::completed;
  r.seed = seed;
  r.train_examples = 100;
  r.train_seconds = 2.0;
  r.total_seconds = 3.0;
  for (int e = 1; e <= epochs; ++e) {
    const double f = static_cast<double>(e) / epochs;
    r.epochs.push_back({e, static_cast<uint64_t>(10 * e), 1e-3, 1.0 - 0.5 * f, final_train * f, 1.1 - 0.4 * f,
                        final_test * f, 1.0, 100});
  }
  return r;
}

inline RunRecord make_run(const std::string& dir, FlatConfig config, const Report& report) {
  RunRecord run;
  run.dir = dir;
  run.report = report;
  run.config = std::move(config);
  return run;
}

}  // namespace expt::testing
