#pragma once
// How a convolution's filters change over a run: one picture per checkpoint the run kept.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tensorboard/png_encode.hpp"

namespace expt {

struct SavedCheckpoint {
  std::filesystem::path path;
  uint64_t step = 0;  // optimizer updates done when it was saved
};

// Every checkpoint in run_dir/checkpoints, by step. Checkpoints of one step hold the same
// weights (last, best and epoch-N of one epoch), so only the first by file name is kept.
// Throws ReadError when there is none or one cannot be read.
std::vector<SavedCheckpoint> run_checkpoints(const std::filesystem::path& run_dir);

// The filter grid (tensorboard/image_grid.hpp) of conv layer `layer` in each checkpoint, with a
// strip above it reading "step <n>". Throws ReadError when a checkpoint has no such conv layer,
// naming the ones it has.
std::vector<Image8> filter_frames(const std::vector<SavedCheckpoint>& checkpoints, const std::string& layer);

}  // namespace expt
