// libFuzzer target: an IDX images file, loaded as a data set through load_dataset (header checks,
// payload reading, normalisation). The input is written as both splits' images file, next to
// labels files whose count matches the header's, so that inputs get past the count check.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "data/dataset.hpp"

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kMaxLabels = 1 << 16;  // larger counts get a truncated labels file

void write_file(const fs::path& path, const void* data, size_t size) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(static_cast<const char*>(data),
                                                                static_cast<std::streamsize>(size));
}

// One folder per process, rewritten for every input and removed at exit.
struct WorkFolder {
  WorkFolder() { fs::create_directories(path); }
  ~WorkFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  const fs::path path = fs::temp_directory_path() / ("expt-idx-fuzz-" + std::to_string(::getpid()));
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const WorkFolder work;
  const fs::path& dir = work.path;
  const uint32_t count =
      size >= 8 ? uint32_t{data[4]} << 24 | uint32_t{data[5]} << 16 | uint32_t{data[6]} << 8 | data[7] : 0;
  std::string labels = {0, 0, 8, 1, char(count >> 24), char(count >> 16), char(count >> 8), char(count)};
  labels.append(std::min(count, kMaxLabels), '\0');
  for (const char* split : {"train", "t10k"}) {
    write_file(dir / (std::string(split) + "-images-idx3-ubyte"), data, size);
    write_file(dir / (std::string(split) + "-labels-idx1-ubyte"), labels.data(), labels.size());
  }
  expt::DataConfig config;
  config.dataset = "idx";
  config.root = dir;
  try {
    expt::load_dataset(config, 1);
  } catch (const expt::Error&) {
    // A clear error is the expected answer to most inputs.
  }
  return 0;
}
