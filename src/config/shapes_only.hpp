#pragma once
// For commands that need a model's shapes but not its data (`expt validate`, `expt bench`).
#include <filesystem>
#include <string>
#include <vector>

#include "config/experiment_config.hpp"

namespace expt {

struct ShapesOnlyConfig {
  ExperimentConfig config;
  bool data_present = true;
  std::string note;  // when the data or the init_from file is absent: why, and what stands in for it
};

// The config as given when its data set is present. When it is absent (a DataError), the same
// config with `data.dataset=synthetic` and as many classes as data.classes lists, so image
// size, channels and classes, and with them every shape, stay the same. Rethrows the DataError,
// with a hint, when data.classes does not list the classes. An absent model.init_from file is
// left out the same way (`model.init_from=null`, said in the note): weights change no shape.
ShapesOnlyConfig load_config_for_shapes(const std::filesystem::path& file, const std::vector<std::string>& overrides);

}  // namespace expt
