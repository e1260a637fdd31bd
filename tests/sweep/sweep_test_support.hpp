#pragma once
// Tiny sweep files on generated 12x12 images (reference backend): each member trains in well
// under a second.
#include <filesystem>
#include <fstream>
#include <string>

#include "data/temp_folder.hpp"

namespace expt::testing {

inline std::string tiny_base(const std::filesystem::path& results) {
  return R"(
base:
  seed: 5
  backend: reference
  results_dir: )" + results.string() + R"(
  data: {dataset: synthetic, image_size: 12, channels: 1, synthetic: {classes: 3, train: 120, test: 60}}
  model:
    layers:
      - {type: conv2d, name: conv1, filters: 4, kernel: 3, activation: relu}
      - {type: max_pool, name: pool1, size: 2}
      - {type: dropout, name: drop1, rate: 0.25}
      - {type: dense, name: logits, units: classes}
  training: {epochs: 2, batch_size: 20, optimizer: {type: adam, learning_rate: 0.01}, log_every_steps: 3}
  tensorboard: {enabled: false}
)";
}

inline std::filesystem::path write_sweep(const std::filesystem::path& dir, const std::string& name, const std::string& text) {
  const auto path = dir / (name + ".yaml");
  std::ofstream(path) << text;
  return path;
}

}  // namespace expt::testing
