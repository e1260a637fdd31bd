#pragma once
// A minimal reader and writer of the safetensors container for float32 and int32 tensors.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace expt::safetensors {

struct Tensor {
  std::string dtype;            // "F32" or "I32"
  std::vector<int64_t> shape;
  std::vector<std::byte> data;  // little-endian, row-major
};

struct File {
  std::map<std::string, std::string> metadata;
  std::map<std::string, Tensor> tensors;
};

std::vector<std::byte> serialize(const File& file);
void write(const std::filesystem::path& path, const File& file);  // atomically
File read(const std::filesystem::path& path);                       // throws IoError naming the path

}  // namespace expt::safetensors
