#include <doctest/doctest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "data/dataset.hpp"
#include "capture_stderr.hpp"
#include "temp_folder.hpp"

using namespace expt;
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<uint8_t>;

void append_big_endian(Bytes& bytes, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<uint8_t>(value >> shift));
}

Bytes idx_images(uint32_t count, uint32_t rows, uint32_t cols, const Bytes& pixels) {
  Bytes bytes;
  append_big_endian(bytes, 0x00000803);
  append_big_endian(bytes, count);
  append_big_endian(bytes, rows);
  append_big_endian(bytes, cols);
  bytes.insert(bytes.end(), pixels.begin(), pixels.end());
  return bytes;
}

Bytes idx_labels(const Bytes& labels) {
  Bytes bytes;
  append_big_endian(bytes, 0x00000801);
  append_big_endian(bytes, static_cast<uint32_t>(labels.size()));
  bytes.insert(bytes.end(), labels.begin(), labels.end());
  return bytes;
}

void write_plain(const fs::path& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
}

void write_gzipped(const fs::path& path, const Bytes& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  REQUIRE(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  REQUIRE(gzclose(file) == Z_OK);
}

// Five 2x3 training images (pixel j of image i is 10 * i + j) labelled 0, 1, 2, 0, 1, and three
// test images (100 + ...) labelled 2, 1, 0.
struct TinyIdx {
  Bytes train_pixels, test_pixels;
  Bytes train_labels{0, 1, 2, 0, 1}, test_labels{2, 1, 0};
  TinyIdx() {
    for (uint8_t i = 0; i < 5; ++i)
      for (uint8_t j = 0; j < 6; ++j) train_pixels.push_back(static_cast<uint8_t>(10 * i + j));
    for (uint8_t i = 0; i < 3; ++i)
      for (uint8_t j = 0; j < 6; ++j) test_pixels.push_back(static_cast<uint8_t>(100 + 10 * i + j));
  }
  Bytes train_images() const { return idx_images(5, 2, 3, train_pixels); }
  Bytes test_images() const { return idx_images(3, 2, 3, test_pixels); }
  // Writes the four files; the image files and the label files each plain or gzipped.
  void write(const fs::path& root, bool gzip_images, bool gzip_labels) const {
    const auto put = [&](const std::string& name, const Bytes& bytes, bool gzip) {
      gzip ? write_gzipped(root / (name + ".gz"), bytes) : write_plain(root / name, bytes);
    };
    put("train-images-idx3-ubyte", train_images(), gzip_images);
    put("t10k-images-idx3-ubyte", test_images(), gzip_images);
    put("train-labels-idx1-ubyte", idx_labels(train_labels), gzip_labels);
    put("t10k-labels-idx1-ubyte", idx_labels(test_labels), gzip_labels);
  }
};

DataConfig idx_config(const fs::path& root) {
  DataConfig config;
  config.dataset = "idx";
  config.root = root;
  config.normalize = "none";
  return config;
}

void check_round_trip(bool gzip_images, bool gzip_labels) {
  TempFolder folder;
  const TinyIdx tiny;
  tiny.write(folder.path(), gzip_images, gzip_labels);
  const DataConfig config = idx_config(folder.path());

  const DatasetInfo info = probe_dataset(config, 0);
  CHECK(info.shape == Shape{1, 2, 3});
  CHECK(info.classes == 3);
  CHECK(info.class_names == std::vector<std::string>{"0", "1", "2"});

  const Dataset data = load_dataset(config, 0);
  CHECK(data.train.shape == Shape{1, 2, 3});
  CHECK(data.train.pixels == tiny.train_pixels);
  CHECK(data.test.pixels == tiny.test_pixels);
  CHECK(data.train.labels == std::vector<int32_t>{0, 1, 2, 0, 1});
  CHECK(data.test.labels == std::vector<int32_t>{2, 1, 0});
}

// The DataError load_dataset throws; fails the test when there is none.
std::string load_error(const DataConfig& config) {
  try {
    load_dataset(config, 0);
  } catch (const DataError& e) {
    return e.what();
  }
  FAIL("load_dataset did not throw a DataError");
  return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("idx: plain, gzipped and mixed files round-trip") {
  SUBCASE("plain") { check_round_trip(false, false); }
  SUBCASE("gzipped") { check_round_trip(true, true); }
  SUBCASE("gzipped images, plain labels") { check_round_trip(true, false); }
}

TEST_CASE("idx: data.classes names the classes in label order") {
  TempFolder folder;
  TinyIdx().write(folder.path(), false, false);
  DataConfig config = idx_config(folder.path());
  config.classes = {"cat", "dog", "bird"};
  CHECK(load_dataset(config, 0).class_names == config.classes);
  config.classes = {"cat", "dog"};  // label 2 exists
  const std::string message = load_error(config);
  CHECK(contains(message, (folder.path() / "train-labels-idx1-ubyte").string()));
  CHECK(contains(message, "out of range"));
}

TEST_CASE("idx: a missing file names both paths looked at") {
  TempFolder folder;
  TinyIdx().write(folder.path(), true, true);
  fs::remove(folder.path() / "t10k-labels-idx1-ubyte.gz");
  const std::string message = load_error(idx_config(folder.path()));
  CHECK(contains(message, (folder.path() / "t10k-labels-idx1-ubyte").string() + " "));
  CHECK(contains(message, (folder.path() / "t10k-labels-idx1-ubyte.gz").string()));
  CHECK_THROWS_AS(probe_dataset(idx_config(folder.path()), 0), DataError);
}

TEST_CASE("idx: malformed files give a DataError naming the file and the fault") {
  TempFolder folder;
  const TinyIdx tiny;
  tiny.write(folder.path(), false, false);
  const fs::path train_images = folder.path() / "train-images-idx3-ubyte";
  const fs::path test_labels = folder.path() / "t10k-labels-idx1-ubyte";
  const DataConfig config = idx_config(folder.path());
  const auto check_fault = [&](const fs::path& path, const std::string& fault) {
    const std::string message = load_error(config);
    INFO(message);
    CHECK(contains(message, path.string()));
    CHECK(contains(message, fault));
  };

  SUBCASE("bad magic") {
    Bytes bytes = tiny.train_images();
    bytes[3] = 0x01;
    write_plain(train_images, bytes);
    check_fault(train_images, "bad magic");
  }
  SUBCASE("file ends inside the header") {
    Bytes bytes = tiny.train_images();
    bytes.resize(10);
    write_plain(train_images, bytes);
    check_fault(train_images, "header");
  }
  SUBCASE("short read of the pixels") {
    Bytes bytes = tiny.train_images();
    bytes.pop_back();
    write_plain(train_images, bytes);
    check_fault(train_images, "truncated");
  }
  SUBCASE("image and label counts differ") {
    write_plain(train_images, idx_images(4, 2, 3, Bytes(tiny.train_pixels.begin(), tiny.train_pixels.end() - 6)));
    check_fault(train_images, "4 images");
  }
  SUBCASE("test label outside the training labels' range") {
    write_plain(test_labels, idx_labels({2, 1, 3}));
    check_fault(test_labels, "label 3 of item 2 is out of range");
  }
  SUBCASE("train and test image sizes differ") {
    write_plain(folder.path() / "t10k-images-idx3-ubyte", idx_images(3, 3, 2, tiny.test_pixels));
    check_fault(train_images, "1x3x2");
  }
  SUBCASE("corrupt gzip stream") {
    fs::remove(train_images);
    const fs::path gzipped = folder.path() / "train-images-idx3-ubyte.gz";
    write_gzipped(gzipped, tiny.train_images());
    std::fstream file(gzipped, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(12);
    file.put('\xff').put('\xff').put('\xff');
    file.close();
    check_fault(gzipped, "unreadable");
  }
  SUBCASE("truncated gzip stream") {
    fs::remove(train_images);
    const fs::path gzipped = folder.path() / "train-images-idx3-ubyte.gz";
    write_gzipped(gzipped, tiny.train_images());
    fs::resize_file(gzipped, fs::file_size(gzipped) - 12);
    check_fault(gzipped, "unexpected end of file");
  }
}

TEST_CASE("idx: resizing and channel conversion follow data.image_height/width/channels") {
  TempFolder folder;
  TinyIdx().write(folder.path(), false, false);
  DataConfig config = idx_config(folder.path());
  config.image_height = 4;
  config.image_width = 6;
  config.channels = 3;
  CHECK(probe_dataset(config, 0).shape == Shape{3, 4, 6});
  const Dataset data = load_dataset(config, 0);
  REQUIRE(data.train.shape == Shape{3, 4, 6});
  REQUIRE(data.test.size() == 3);
  const auto image = data.train.image(1);  // pixels 10..15 upscaled, replicated to three planes
  CHECK(image[0] == 10);                   // corners keep their values
  CHECK(image[23] == 15);
  for (int j = 0; j < 24; ++j) {
    CHECK(image[24 + j] == image[j]);
    CHECK(image[48 + j] == image[j]);
  }
  config.channels = 2;
  CHECK_THROWS_AS(probe_dataset(config, 0), DataError);
}

TEST_CASE("idx: bytes after the declared data are ignored with a warning naming the file") {
  TempFolder folder;
  const TinyIdx tiny;
  tiny.write(folder.path(), false, false);
  const fs::path train_images = folder.path() / "train-images-idx3-ubyte";
  Bytes bytes = tiny.train_images();
  bytes.insert(bytes.end(), {7, 8, 9});
  write_plain(train_images, bytes);
  Dataset data;
  const std::string warnings = capture_stderr([&] { data = load_dataset(idx_config(folder.path()), 0); });
  CHECK(data.train.pixels == tiny.train_pixels);
  CHECK(contains(warnings, "warning: " + train_images.string() + ": 3 bytes after the 30 bytes of pixels"));
}

TEST_CASE("idx: a header whose count x rows x cols wraps past 2^64 is a DataError, not a read past the pixels") {
  // 256 x 2^28 x 2^28 is 2^64, 0 in 64 bits: files without pixels would pass a wrapped size
  // check, and the normalisation would then read 2^56 bytes per image.
  TempFolder folder;
  for (const std::string split : {"train", "t10k"}) {
    write_plain(folder.path() / (split + "-labels-idx1-ubyte"), idx_labels(Bytes(256, 0)));
    write_plain(folder.path() / (split + "-images-idx3-ubyte"), idx_images(256, 1u << 28, 1u << 28, {}));
  }
  DataConfig config = idx_config(folder.path());
  config.normalize = "per_channel_mean";
  const std::string message = load_error(config);
  CHECK(contains(message, (folder.path() / "train-images-idx3-ubyte").string()));
  CHECK(contains(message, "the header declares 256 images of 268435456x268435456 pixels: more than 2^63 bytes"));
}
