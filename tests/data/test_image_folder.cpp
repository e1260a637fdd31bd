#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "data/dataset.hpp"
#include "temp_folder.hpp"
#include "test_images.hpp"

using namespace expt;
using namespace expt::test;
namespace fs = std::filesystem;

namespace {

// root/<class>/: flat PNG images (exact values), one with an upper-case .JPG name holding a PNG,
// and a file that is not an image by name.
void write_class_folders(const fs::path& root, const std::vector<std::pair<std::string, uint8_t>>& classes, int count) {
  for (const auto& [name, value] : classes) {
    for (int i = 0; i < count; ++i)
      write_file(root / name / ("img" + std::to_string(i) + (i == 0 ? ".JPG" : ".png")),
                 encode_png(flat_image(20 + i, 10 + 2 * i, {value, value, value})));
    write_file(root / name / "notes.txt", {'h', 'i'});
  }
}

DataConfig folder_config(const TempFolder& folder) {
  DataConfig config;
  config.dataset = "image_folder";
  config.root = folder.path() / "train";
  config.test_root = folder.path() / "test";
  config.cache_dir = folder.path() / "cache";
  config.image_height = 8;
  config.image_width = 12;
  return config;
}

}  // namespace

TEST_CASE("image_folder: classes are the subfolders in name order, or as data.classes orders them") {
  TempFolder folder;
  write_class_folders(folder.path() / "train", {{"dog", 30}, {"cat", 10}}, 3);
  write_class_folders(folder.path() / "test", {{"dog", 200}, {"cat", 200}}, 2);
  DataConfig config = folder_config(folder);
  const Dataset data = load_dataset(config, 0);
  CHECK(data.class_names == std::vector<std::string>{"cat", "dog"});
  CHECK(data.train.labels == std::vector<int32_t>{0, 0, 0, 1, 1, 1});
  CHECK(data.test.labels == std::vector<int32_t>{0, 0, 1, 1});
  CHECK(data.train.shape == Shape{3, 8, 12});
  CHECK(data.skipped.empty());
  CHECK(data.train.image(0)[0] == 10);
  CHECK(data.train.image(5)[95] == 30);

  config.classes = {"dog", "cat"};
  const Dataset reordered = load_dataset(config, 0);
  CHECK(reordered.class_names == std::vector<std::string>{"dog", "cat"});
  CHECK(reordered.train.labels == std::vector<int32_t>{0, 0, 0, 1, 1, 1});
  CHECK(reordered.train.image(0)[0] == 30);
  config.classes = {"dog"};
  CHECK(probe_dataset(config, 0).classes == 1);
  config.classes = {"cow"};
  CHECK_THROWS_WITH_AS(probe_dataset(config, 0), doctest::Contains("classes: cat, dog"), DataError);
}

TEST_CASE("image_folder: normalisation comes from the training images only") {
  TempFolder folder;
  write_class_folders(folder.path() / "train", {{"a", 10}, {"b", 30}}, 2);
  write_class_folders(folder.path() / "test", {{"a", 250}, {"b", 250}}, 2);
  DataConfig config = folder_config(folder);
  config.normalize = "per_channel_mean";
  const Dataset data = load_dataset(config, 0);
  for (float m : data.normalization.mean) CHECK(m == doctest::Approx(20.0));
  for (float s : data.normalization.inv_std) CHECK(s == doctest::Approx(0.1));
  config.normalize = "mean_image";
  config.channels = 1;
  const Dataset gray = load_dataset(config, 0);
  CHECK(gray.train.shape == Shape{1, 8, 12});
  for (float m : gray.normalization.mean) CHECK(m == doctest::Approx(20.0));
  for (float s : gray.normalization.inv_std) CHECK(s == doctest::Approx(1.0 / 255.0));
}

TEST_CASE("image_folder: a seeded fraction when there is no test_root; errors name the folder") {
  TempFolder folder;
  write_class_folders(folder.path() / "train", {{"a", 10}, {"b", 30}}, 5);
  DataConfig config = folder_config(folder);
  config.test_root.clear();
  CHECK_THROWS_WITH_AS(load_dataset(config, 0), doctest::Contains("needs a test split"), DataError);
  config.test_fraction = 0.2;
  const Dataset data = load_dataset(config, 3);
  CHECK(data.train.size() == 8);
  CHECK(data.test.size() == 2);

  config.root = folder.path() / "nowhere";
  CHECK_THROWS_WITH_AS(probe_dataset(config, 0), doctest::Contains((folder.path() / "nowhere").c_str()), DataError);
}
