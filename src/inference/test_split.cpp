#include "inference/test_split.hpp"

#include <fmt/format.h>

#include "config/load_config.hpp"
#include "core/error.hpp"

namespace expt {

ImageSet load_test_split(const TrainedRun& run, const std::vector<std::string>& overrides) {
  const ExperimentConfig config = load_config(run.run_dir / "config.yaml", overrides);
  Dataset data = load_dataset(config.data, config.seed);
  if (data.test.shape != run.input)
    throw ReadError(fmt::format("{}: the data set's test images are {}, the run was trained on {}",
                                run.run_dir.string(), data.test.shape.str(), run.input.str()));
  return std::move(data.test);
}

}  // namespace expt
