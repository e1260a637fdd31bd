#include "inference/image_inputs.hpp"

#include <algorithm>
#include <cctype>
#include <system_error>

#include <fmt/format.h>

#include "data/image_decode.hpp"
#include "data/image_file.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;

bool has_image_extension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// The image files under `folder`, sorted; an unreadable subfolder is an error, not a silent gap.
std::vector<fs::path> images_under(const fs::path& folder) {
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(folder), end; it != end; ++it)
    if (it->is_regular_file() && has_image_extension(it->path())) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

ImageInputs load_image_inputs(const std::vector<fs::path>& paths, const Shape& shape, std::string_view resize) {
  std::vector<fs::path> files;
  ImageInputs inputs;
  for (const fs::path& path : paths) {
    if (!fs::is_directory(path)) {
      files.push_back(path);
      continue;
    }
    try {
      const std::vector<fs::path> found = images_under(path);
      if (found.empty()) inputs.skipped.push_back(fmt::format("{}: no .png, .jpg or .jpeg files", path.string()));
      files.insert(files.end(), found.begin(), found.end());
    } catch (const fs::filesystem_error& e) {
      inputs.skipped.push_back(fmt::format("{}: {}", path.string(), e.code().message()));
    }
  }
  inputs.images.shape = shape;
  const auto image_bytes = static_cast<size_t>(shape.size());
  std::vector<uint8_t> pixels(image_bytes);
  for (const fs::path& file : files) {
    try {
      load_image_file(file, shape, resize, pixels);
    } catch (const DecodeError& e) {
      inputs.skipped.push_back(fmt::format("{}: {}", file.string(), e.what()));
      continue;
    }
    inputs.images.pixels.insert(inputs.images.pixels.end(), pixels.begin(), pixels.end());
    inputs.images.labels.push_back(0);
    inputs.files.push_back(file);
  }
  return inputs;
}

}  // namespace expt
