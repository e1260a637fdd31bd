#include "visualize/filter_animation.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/safetensors.hpp"
#include "tensorboard/image_grid.hpp"
#include "visualize/bitmap_font.hpp"

namespace expt {
namespace {

constexpr int64_t kLabelScale = 2;
constexpr int64_t kLabelMargin = 3;

uint64_t saved_step(const safetensors::File& file, const std::filesystem::path& path) {
  const auto it = file.metadata.find("step");
  uint64_t step = 0;
  if (it == file.metadata.end() ||
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), step).ec != std::errc())
    throw ReadError(fmt::format("{} is not an expt checkpoint: its metadata has no step", path.string()));
  return step;
}

// The grid below a white strip with the label, in a frame `width` wide (at least the grid's).
Image8 labelled(const Image8& grid, const std::string& label, int64_t width) {
  Image8 frame;
  frame.channels = grid.channels;
  const int64_t strip = kGlyphHeight * kLabelScale + 2 * kLabelMargin;
  frame.width = width;
  frame.height = grid.height + strip;
  frame.pixels.assign(static_cast<size_t>(frame.width * frame.height * frame.channels), 255);
  const auto row_bytes = static_cast<size_t>(grid.width * grid.channels);
  for (int64_t y = 0; y < grid.height; ++y)
    std::memcpy(&frame.pixels[static_cast<size_t>((strip + y) * frame.width * frame.channels)],
                &grid.pixels[static_cast<size_t>(y) * row_bytes], row_bytes);
  draw_text(frame, kLabelMargin, kLabelMargin, label, kLabelScale);
  return frame;
}

std::vector<std::string> conv_layers(const safetensors::File& file) {
  std::vector<std::string> names;
  for (const auto& [name, t] : file.tensors)
    if (name.ends_with(".weight") && !name.starts_with("optimizer.") && t.shape.size() == 4)
      names.push_back(name.substr(0, name.size() - 7));
  return names;
}

}  // namespace

std::vector<SavedCheckpoint> run_checkpoints(const std::filesystem::path& run_dir) {
  const auto folder = run_dir / "checkpoints";
  std::error_code ec;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec))
    if (entry.path().extension() == ".safetensors" && entry.is_regular_file()) paths.push_back(entry.path());
  if (paths.empty()) throw ReadError(fmt::format("{} holds no checkpoints", folder.string()));
  std::sort(paths.begin(), paths.end());
  std::vector<SavedCheckpoint> checkpoints;
  for (const auto& path : paths) {
    const uint64_t step = saved_step(safetensors::read(path), path);
    if (std::none_of(checkpoints.begin(), checkpoints.end(), [&](const auto& c) { return c.step == step; }))
      checkpoints.push_back({path, step});
  }
  std::sort(checkpoints.begin(), checkpoints.end(), [](const auto& a, const auto& b) { return a.step < b.step; });
  return checkpoints;
}

std::vector<Image8> filter_frames(const std::vector<SavedCheckpoint>& checkpoints, const std::string& layer) {
  if (checkpoints.empty()) return {};
  std::vector<Image8> grids;
  for (const SavedCheckpoint& c : checkpoints) {
    const safetensors::File file = safetensors::read(c.path);
    const auto it = file.tensors.find(layer + ".weight");
    if (it == file.tensors.end() || it->second.shape.size() != 4 || it->second.dtype != "F32")
      throw ReadError(fmt::format("{} has no conv layer '{}'; its conv layers: {}", c.path.string(), layer,
                                  fmt::join(conv_layers(file), ", ")));
    const std::vector<int64_t>& d = it->second.shape;
    std::vector<float> weight(it->second.data.size() / sizeof(float));
    std::memcpy(weight.data(), it->second.data.data(), it->second.data.size());
    grids.push_back(filter_grid(weight, d[0], d[1], d[2], d[3]));
  }
  // Every frame as wide as the widest label ("step 12000" is wider than "step 0") and the grid.
  int64_t width = grids.front().width;
  for (const SavedCheckpoint& c : checkpoints)
    width = std::max(width, text_width(fmt::format("step {}", c.step), kLabelScale) + 2 * kLabelMargin);
  std::vector<Image8> frames;
  for (size_t i = 0; i < grids.size(); ++i)
    frames.push_back(labelled(grids[i], fmt::format("step {}", checkpoints[i].step), width));
  return frames;
}

}  // namespace expt
