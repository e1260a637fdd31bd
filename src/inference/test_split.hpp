#pragma once
// The test split of the data set a run was trained on, loaded as training loaded it.
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "experiment/trained_run.hpp"

namespace expt {

// Reads the run's config (with `overrides`) and its data set. Throws DataError when the data
// set is absent, and ReadError when its images do not have the run's input shape.
ImageSet load_test_split(const TrainedRun& run, const std::vector<std::string>& overrides);

}  // namespace expt
