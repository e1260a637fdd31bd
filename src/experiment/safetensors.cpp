#include "experiment/safetensors.hpp"

#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace expt::safetensors {
namespace {

size_t element_size(const std::string& dtype) {
  if (dtype == "F32" || dtype == "I32") return 4;
  return 0;
}

}  // namespace

std::vector<std::byte> serialize(const File& file) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  size_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    header[name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string text = header.dump();
  // The format asks for the data to start 8-byte aligned; pad the header with spaces.
  while ((text.size() % 8) != 0) text.push_back(' ');
  std::vector<std::byte> out(8 + text.size() + offset);
  const uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::byte>((n >> (8 * i)) & 0xff);
  std::memcpy(out.data() + 8, text.data(), text.size());
  std::byte* p = out.data() + 8 + text.size();
  for (const auto& [name, t] : file.tensors) {
    std::memcpy(p, t.data.data(), t.data.size());
    p += t.data.size();
  }
  return out;
}

void write(const std::filesystem::path& path, const File& file) { write_file_atomically(path, serialize(file)); }

File read(const std::filesystem::path& path) {
  auto bad = [&](const std::string& why) { return IoError(fmt::format("cannot read checkpoint {}: {}", path.string(), why)); };
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad("file not found or unreadable");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 8) throw bad("truncated (shorter than the 8-byte header length)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (n > bytes.size() - 8) throw bad("truncated header");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  } catch (const nlohmann::json::exception& e) {
    throw bad(fmt::format("malformed JSON header: {}", e.what()));
  }
  const size_t data_start = 8 + n;
  const size_t data_size = bytes.size() - data_start;
  File file;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      for (const auto& [k, v] : entry.items()) file.metadata[k] = v.get<std::string>();
      continue;
    }
    Tensor t;
    try {
      t.dtype = entry.at("dtype").get<std::string>();
      t.shape = entry.at("shape").get<std::vector<int64_t>>();
      const auto offsets = entry.at("data_offsets").get<std::vector<size_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size)
        throw bad(fmt::format("tensor '{}' lies outside the file (truncated?)", name));
      size_t count = element_size(t.dtype);
      if (count == 0) throw bad(fmt::format("tensor '{}' has unsupported dtype {}", name, t.dtype));
      for (int64_t d : t.shape) count *= static_cast<size_t>(d);
      if (count != offsets[1] - offsets[0])
        throw bad(fmt::format("tensor '{}' has {} bytes but its shape needs {}", name, offsets[1] - offsets[0], count));
      const auto* src = reinterpret_cast<const std::byte*>(bytes.data() + data_start + offsets[0]);
      t.data.assign(src, src + count);
    } catch (const nlohmann::json::exception& e) {
      throw bad(fmt::format("malformed entry for '{}': {}", name, e.what()));
    }
    file.tensors.emplace(name, std::move(t));
  }
  return file;
}

}  // namespace expt::safetensors
