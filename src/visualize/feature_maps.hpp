#pragma once
// What one layer of a trained network makes of one image.
#include <filesystem>
#include <string>

#include "tensorboard/png_encode.hpp"
#include "backends/backend.hpp"
#include "experiment/trained_run.hpp"

namespace expt {

// The image file (JPEG or PNG) decoded, resized and normalised as the run's data was, passed
// forward in evaluation mode through `network` (the run's, from build_trained_network), and layer `layer`'s output tiled with feature_map_grid
// (tensorboard/image_grid.hpp). An empty `layer` is the first conv layer. Throws ReadError for an
// unreadable image, ConfigError naming the layers when there is no such layer.
Image8 feature_maps(const TrainedRun& run, Network& network, const std::filesystem::path& image,
                    const std::string& layer);

}  // namespace expt
