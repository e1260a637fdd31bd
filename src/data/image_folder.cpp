// A folder per class: root/<class>/*.{jpg,jpeg,png} (extensions in any case; what a file holds
// is decided by its bytes when decoding). Classes are the subfolders in name order unless
// data.classes selects and orders them; test_root, when given, has the same class folders.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/error.hpp"
#include "data/sources.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;

bool is_image_name(const fs::path& file) {
  std::string extension = file.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return extension == ".jpg" || extension == ".jpeg" || extension == ".png";
}

bool is_hidden(const fs::path& entry) { return entry.filename().string().starts_with('.'); }

void require_folder(const fs::path& folder, std::string_view key) {
  if (!fs::is_directory(folder))
    throw DataError(fmt::format("image_folder: {} '{}' is not a folder (expected one subfolder of images per class)",
                                key, folder.string()));
}

std::vector<std::string> class_folders(const fs::path& root) {
  require_folder(root, "data.root");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(root))
    if (entry.is_directory() && !is_hidden(entry.path())) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  if (names.empty()) throw DataError(fmt::format("image_folder: '{}' has no class subfolders", root.string()));
  return names;
}

std::vector<std::string> selected_classes(const DataConfig& config) {
  const std::vector<std::string> folders = class_folders(config.root);
  if (selects_all_classes(config)) return folders;
  for (const auto& name : config.classes)
    if (std::find(folders.begin(), folders.end(), name) == folders.end())
      throw DataError(fmt::format("data.classes names '{}', which is not a subfolder of '{}' (classes: {})", name,
                                  config.root.string(), fmt::join(folders, ", ")));
  return config.classes;
}

// The images of each class, in file-name order; a class folder missing under `root` has none.
std::vector<LabelledFile> files_under(const fs::path& root, const std::vector<std::string>& classes) {
  std::vector<LabelledFile> files;
  for (size_t label = 0; label < classes.size(); ++label) {
    const fs::path folder = root / classes[label];
    if (!fs::is_directory(folder)) continue;
    std::vector<fs::path> names;
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.is_regular_file() && !is_hidden(entry.path()) && is_image_name(entry.path()))
        names.push_back(entry.path());
    std::sort(names.begin(), names.end());
    for (auto& name : names) files.push_back({std::move(name), static_cast<int32_t>(label)});
  }
  return files;
}

}  // namespace

DatasetInfo probe_image_folder(const DataConfig& config) {
  std::vector<std::string> classes = selected_classes(config);
  return DatasetInfo{image_file_shape(config), static_cast<int64_t>(classes.size()), std::move(classes)};
}

ImageListing list_image_folder(const DataConfig& config) {
  ImageListing listing;
  listing.name = "image_folder";
  listing.class_names = selected_classes(config);
  listing.train = files_under(config.root, listing.class_names);
  if (listing.train.empty())
    throw DataError(fmt::format("image_folder: no .jpg, .jpeg or .png files in the class folders of '{}'",
                                config.root.string()));
  if (!config.test_root.empty()) {
    if (config.test_fraction > 0.0)
      throw DataError("image_folder: data.test_root already gives the test split; set data.test_fraction to 0");
    require_folder(config.test_root, "data.test_root");
    listing.test = files_under(config.test_root, listing.class_names);
    if (listing.test.empty())
      throw DataError(fmt::format("image_folder: no images of the classes {} under data.test_root '{}'",
                                  fmt::join(listing.class_names, ", "), config.test_root.string()));
  } else if (config.test_fraction <= 0.0) {
    throw DataError("image_folder needs a test split: set data.test_root or data.test_fraction");
  }
  return listing;
}

}  // namespace expt
