// oxford_pets on generated data in the real layout: labels, splits, unusual and broken files,
// and the decoded-image cache.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>

#include "core/error.hpp"
#include "data/dataset.hpp"
#include "data/normalize.hpp"
#include "temp_folder.hpp"
#include "test_images.hpp"

using namespace expt;
using namespace expt::test;
namespace fs = std::filesystem;

namespace {

DataConfig pets_config(const TempFolder& folder) {
  DataConfig config;
  config.dataset = "oxford_pets";
  config.root = folder.path() / "pets";
  config.cache_dir = folder.path() / "cache";
  config.image_height = config.image_width = 32;
  config.classes = {"shiba_inu", "samoyed"};
  config.split = "official";
  config.max_skipped_fraction = 0.2;
  return config;
}

int64_t count(const std::vector<int32_t>& labels, int32_t label) { return std::count(labels.begin(), labels.end(), label); }

}  // namespace

TEST_CASE("oxford_pets: classes by breed name, labelled in the order given; the official split") {
  TempFolder folder;
  write_pets_layout(folder.path() / "pets", {});
  const DataConfig config = pets_config(folder);
  const DatasetInfo info = probe_dataset(config, 0);
  CHECK(info.shape == Shape{3, 32, 32});
  CHECK(info.class_names == std::vector<std::string>{"shiba_inu", "samoyed"});

  const Dataset data = load_dataset(config, 0);
  CHECK(data.name == "oxford_pets");
  CHECK(data.train.shape == Shape{3, 32, 32});
  // 6 per breed, odd numbers in trainval; shiba_inu_5 (trainval) is the truncated file.
  CHECK(count(data.train.labels, 0) == 2);
  CHECK(count(data.train.labels, 1) == 3);
  CHECK(count(data.test.labels, 0) == 3);
  CHECK(count(data.test.labels, 1) == 3);  // samoyed_2 (PNG), _4 (grayscale) among them
  REQUIRE(data.skipped.size() == 1);
  CHECK(data.skipped[0].find("shiba_inu_5.jpg: JPEG data:") != std::string::npos);
  CHECK(data.load_stats.files == 12);
  CHECK(data.load_stats.decoded == 12);
  CHECK(data.load_stats.cache == "written");
}

TEST_CASE("oxford_pets: all classes in CLASS-ID order, names lower-cased") {
  TempFolder folder;
  write_pets_layout(folder.path() / "pets", {});
  DataConfig config = pets_config(folder);
  for (const auto& classes : {std::vector<std::string>{}, std::vector<std::string>{"all"}}) {
    config.classes = classes;
    CHECK(probe_dataset(config, 0).class_names == std::vector<std::string>{"abyssinian", "samoyed", "shiba_inu"});
  }
  config.classes = {"samoyed", "corgi"};
  CHECK_THROWS_WITH_AS(probe_dataset(config, 0),
                       doctest::Contains("data.classes names 'corgi', which is not a breed of"), DataError);
}

TEST_CASE("oxford_pets: test_fraction holds out a seeded part of list.txt") {
  TempFolder folder;
  PetsLayoutOptions layout;
  layout.images_per_breed = 10;
  layout.unusual_files = false;
  write_pets_layout(folder.path() / "pets", layout);
  DataConfig config = pets_config(folder);
  config.split = "test_fraction";
  CHECK_THROWS_WITH_AS(load_dataset(config, 0), doctest::Contains("needs data.test_fraction > 0"), DataError);
  config.test_fraction = 0.15;
  const Dataset a = load_dataset(config, 4), b = load_dataset(config, 4), c = load_dataset(config, 5);
  CHECK(a.train.size() == 17);
  CHECK(a.test.size() == 3);
  CHECK(a.test.pixels == b.test.pixels);
  CHECK(a.test.pixels != c.test.pixels);
  CHECK(b.load_stats.cache == "hit");

  config.split = "official";
  CHECK_THROWS_WITH_AS(load_dataset(config, 0), doctest::Contains("already has a test split"), DataError);
}

TEST_CASE("oxford_pets: more broken files than max_skipped_fraction stop the load, naming them") {
  TempFolder folder;
  write_pets_layout(folder.path() / "pets", {});
  DataConfig config = pets_config(folder);
  config.max_skipped_fraction = 0.05;  // 1 of 12 is more
  CHECK_THROWS_WITH_AS(load_dataset(config, 0), doctest::Contains("1 of 12 image files could not be decoded"),
                       DataError);
  CHECK_THROWS_WITH_AS(load_dataset(config, 0), doctest::Contains("shiba_inu_5.jpg"), DataError);
}

TEST_CASE("oxford_pets: a folder, FIFO, device, huge PNG or huge file named like an image is skipped and counted") {
  TempFolder folder;
  write_pets_layout(folder.path() / "pets", {});
  const fs::path images = folder.path() / "pets" / "images";
  const auto replace = [&](const std::string& name) {
    fs::remove(images / name);
    return images / name;
  };
  fs::create_directory(replace("shiba_inu_1.jpg"));
  REQUIRE(::mkfifo(replace("shiba_inu_2.jpg").c_str(), 0644) == 0);  // reading it would wait forever
  fs::create_symlink("/dev/zero", replace("shiba_inu_3.jpg"));        // reading it would never end
  write_file(replace("samoyed_1.jpg"), png_declaring(30000, 30000));  // 2.7 GB decoded
  { std::ofstream(replace("samoyed_5.jpg")); }
  fs::resize_file(images / "samoyed_5.jpg", (uint64_t{128} << 20) + 1);  // sparse: costs no disk
  DataConfig config = pets_config(folder);
  config.max_skipped_fraction = 1;
  config.cache = false;

  const Dataset data = load_dataset(config, 0);
  CHECK(data.load_stats.files == 12);
  REQUIRE(data.skipped.size() == 6);  // these five and shiba_inu_5, the truncated JPEG
  const auto reason = [&](const std::string& name) {
    for (const auto& s : data.skipped)
      if (s.starts_with((images / name).string() + ": ")) return s.substr((images / name).string().size() + 2);
    return std::string("not skipped");
  };
  CHECK(reason("shiba_inu_1.jpg") == "not a regular file");
  CHECK(reason("shiba_inu_2.jpg") == "not a regular file");
  CHECK(reason("shiba_inu_3.jpg") == "not a regular file");
  CHECK(reason("samoyed_1.jpg") == "declares 30000x30000 pixels, more than the 64 megapixels an image may have");
  CHECK(reason("samoyed_5.jpg") == "134217729 bytes, more than the 128 MiB an image file may have");
}

TEST_CASE("oxford_pets: a missing data set names the path and the fetch command") {
  TempFolder folder;
  DataConfig config = pets_config(folder);
  CHECK_THROWS_WITH_AS(probe_dataset(config, 0), doctest::Contains((folder.path() / "pets").c_str()), DataError);
  CHECK_THROWS_WITH_AS(probe_dataset(config, 0), doctest::Contains("expt data fetch oxford_pets"), DataError);
  fs::create_directories(folder.path() / "pets");
  CHECK_THROWS_WITH_AS(probe_dataset(config, 0), doctest::Contains("annotations/list.txt"), DataError);
  config.image_height = config.image_width = 0;
  write_pets_layout(folder.path() / "pets", {});
  CHECK_THROWS_WITH_AS(probe_dataset(config, 0), doctest::Contains("needs data.image_size"), DataError);
}

TEST_CASE("oxford_pets: a FIFO, a folder or a huge file named list.txt is a data error at once, not a hang") {
  TempFolder folder;
  write_pets_layout(folder.path() / "pets", {});
  const fs::path list = folder.path() / "pets" / "annotations" / "list.txt";
  fs::remove(list);
  REQUIRE(::mkfifo(list.c_str(), 0644) == 0);
  const DataConfig config = pets_config(folder);
  auto probe = std::async(std::launch::async, [&] { return probe_dataset(config, 0); });
  if (probe.wait_for(std::chrono::seconds(10)) == std::future_status::timeout) {
    FAIL_CHECK("probing a Pets folder whose list.txt is a FIFO still waits after 10 s");
    // A writer that opens and closes the FIFO ends the reader's wait, so the test itself ends.
    std::ofstream{list};
  }
  CHECK_THROWS_WITH_AS(probe.get(), doctest::Contains("list.txt': not a regular file"), DataError);

  fs::remove(list);
  fs::create_directory(list);
  CHECK_THROWS_WITH_AS(probe_dataset(config, 0), doctest::Contains("list.txt': not a regular file"), DataError);
  fs::remove(list);
  { std::ofstream{list}; }
  fs::resize_file(list, (uint64_t{32} << 20) + 1);  // sparse: costs no disk
  CHECK_THROWS_WITH_AS(probe_dataset(config, 0),
                       doctest::Contains("33554433 bytes, more than the 32 MiB an annotation file may have"),
                       DataError);
}

TEST_CASE("image cache: the second load decodes nothing; changed files and damaged caches are rebuilt") {
  TempFolder folder;
  write_pets_layout(folder.path() / "pets", {});
  DataConfig config = pets_config(folder);
  const Dataset first = load_dataset(config, 0);
  CHECK(first.load_stats.cache == "written");
  CHECK(fs::exists(first.load_stats.cache_file));
  CHECK(fs::path(first.load_stats.cache_file).parent_path() == folder.path() / "cache");

  const Dataset second = load_dataset(config, 0);
  CHECK(second.load_stats.decoded == 0);
  CHECK(second.load_stats.cache == "hit");
  CHECK(second.train.pixels == first.train.pixels);
  CHECK(second.test.pixels == first.test.pixels);
  CHECK(second.train.labels == first.train.labels);
  CHECK(second.skipped == first.skipped);
  CHECK(second.normalization.mean == first.normalization.mean);

  // Another size is another cache file.
  config.image_height = 16;
  CHECK(load_dataset(config, 0).load_stats.cache == "written");
  config.image_height = 32;

  // A file rewritten (new size and time) makes the cache stale.
  const fs::path image = folder.path() / "pets" / "images" / "samoyed_1.jpg";
  write_file(image, encode_jpeg(photo_like(50, 40, 7, 7)));
  fs::last_write_time(image, fs::last_write_time(image) + std::chrono::seconds(5));
  const Dataset third = load_dataset(config, 0);
  CHECK(third.load_stats.cache == "rebuilt (stale)");
  CHECK(third.load_stats.decoded == 12);
  CHECK(third.train.pixels != first.train.pixels);
  CHECK(load_dataset(config, 0).load_stats.cache == "hit");

  // One flipped pixel byte: the checksum catches it.
  {
    std::fstream cache(third.load_stats.cache_file, std::ios::in | std::ios::out | std::ios::binary);
    cache.seekg(-10, std::ios::end);
    const char byte = static_cast<char>(cache.get());
    cache.seekp(-10, std::ios::end);
    cache.put(static_cast<char>(byte ^ 0x40));
  }
  CHECK(load_dataset(config, 0).load_stats.cache == "rebuilt (corrupt: pixel checksum mismatch)");
  fs::resize_file(third.load_stats.cache_file, 50);
  CHECK(load_dataset(config, 0).load_stats.cache == "rebuilt (corrupt: shorter than its header)");
  CHECK(load_dataset(config, 0).load_stats.cache == "hit");

  config.cache = false;
  const Dataset uncached = load_dataset(config, 0);
  CHECK(uncached.load_stats.cache == "off");
  CHECK(uncached.train.pixels == third.train.pixels);
}
