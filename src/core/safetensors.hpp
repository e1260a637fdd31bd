#pragma once
// A minimal reader and writer of the safetensors container for float32 and int32 tensors.
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace expt::safetensors {

struct TensorInfo {
  std::string dtype;            // "F32" or "I32"
  std::vector<int64_t> shape;
};

struct Tensor {
  std::string dtype;            // "F32" or "I32"
  std::vector<int64_t> shape;
  std::vector<std::byte> data;  // little-endian, row-major
};

struct File {
  std::map<std::string, std::string> metadata;
  std::map<std::string, Tensor> tensors;
};

// Every tensor's bytes get a CRC-32 in the metadata ("crc32.<tensor>": 8 hex digits), which
// parse verifies, so scrambled weights are an error naming the tensor rather than a run that
// resumes from garbage. Files without them (written by other tools) are read unchecked; the
// checksum keys are not part of File::metadata.
std::vector<std::byte> serialize(const File& file);
void write(const std::filesystem::path& path, const File& file);  // atomically
// Both throw ReadError naming `source` (the path) and what is wrong.
File parse(std::span<const std::byte> bytes, const std::string& source);
File read(const std::filesystem::path& path);
// The tensors' dtypes and shapes from the header alone, without reading the data (cheap for a
// file of gigabytes, so a config can be checked against it at load time). Everything parse
// checks but the checksums.
std::map<std::string, TensorInfo> read_header(const std::filesystem::path& path);

}  // namespace expt::safetensors
