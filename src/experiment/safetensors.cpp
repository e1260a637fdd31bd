#include "experiment/safetensors.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/checked_arithmetic.hpp"
#include "core/error.hpp"

namespace expt::safetensors {
namespace {

constexpr std::string_view kChecksumPrefix = "crc32.";

size_t element_size(const std::string& dtype) {
  if (dtype == "F32" || dtype == "I32") return 4;
  return 0;
}

std::string checksum(std::span<const std::byte> data) {
  const auto crc = crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size());
  return fmt::format("{:08x}", crc);
}

}  // namespace

std::vector<std::byte> serialize(const File& file) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  nlohmann::ordered_json metadata(file.metadata);
  for (const auto& [name, t] : file.tensors) metadata[std::string(kChecksumPrefix) + name] = checksum(t.data);
  if (!metadata.empty()) header["__metadata__"] = metadata;
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

File parse(std::span<const std::byte> bytes, const std::string& source) {
  auto bad = [&](const std::string& why) { return ReadError(fmt::format("cannot read checkpoint {}: {}", source, why)); };
  if (bytes.size() < 8) throw bad("truncated (shorter than the 8-byte header length)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= std::to_integer<uint64_t>(bytes[i]) << (8 * i);
  if (n > bytes.size() - 8) throw bad("truncated header");
  const auto* text = reinterpret_cast<const char*>(bytes.data() + 8);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text, text + n);
  } catch (const nlohmann::json::exception& e) {
    throw bad(fmt::format("malformed JSON header: {}", e.what()));
  }
  if (!header.is_object()) throw bad("the JSON header is not an object");
  const auto data = bytes.subspan(8 + n);
  File file;
  std::map<std::string, std::string> checksums;
  for (const auto& item : header.items()) {
    const std::string& name = item.key();  // not a structured binding: clang 14 lambdas cannot capture those
    const nlohmann::json& entry = item.value();
    if (name == "__metadata__") {
      if (!entry.is_object()) throw bad("__metadata__ is not an object");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) throw bad(fmt::format("metadata '{}' is {}, not a string", key, value.type_name()));
        if (key.starts_with(kChecksumPrefix))
          checksums[key.substr(kChecksumPrefix.size())] = value.get<std::string>();
        else
          file.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    // nlohmann converts a JSON float to an integer unchecked (undefined for 4e44), so the
    // counts are checked to be integers before they are read as such.
    const auto integers = [&](const char* key) -> const nlohmann::json& {
      const nlohmann::json& list = entry.at(key);
      if (!list.is_array() || !std::all_of(list.begin(), list.end(), [](const auto& x) { return x.is_number_integer(); }))
        throw bad(fmt::format("tensor '{}': {} is not a list of integers", name, key));
      return list;
    };
    Tensor t;
    try {
      t.dtype = entry.at("dtype").get<std::string>();
      t.shape = integers("shape").get<std::vector<int64_t>>();
      const auto offsets = integers("data_offsets").get<std::vector<uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data.size())
        throw bad(fmt::format("tensor '{}' lies outside the file (truncated?)", name));
      std::optional<uint64_t> count = element_size(t.dtype);
      if (*count == 0) throw bad(fmt::format("tensor '{}' has unsupported dtype {}", name, t.dtype));
      for (int64_t d : t.shape) {
        if (d < 0) throw bad(fmt::format("tensor '{}' has a negative dimension {}", name, d));
        if (count) count = checked_product<uint64_t>({*count, static_cast<uint64_t>(d)});
      }
      if (!count || *count != offsets[1] - offsets[0])
        throw bad(fmt::format("tensor '{}' has {} bytes but its shape needs {}", name, offsets[1] - offsets[0],
                              count ? fmt::to_string(*count) : std::string("more than 2^64")));
      const auto stored = data.subspan(offsets[0], *count);
      t.data.assign(stored.begin(), stored.end());
    } catch (const nlohmann::json::exception& e) {
      throw bad(fmt::format("malformed entry for '{}': {}", name, e.what()));
    }
    file.tensors.emplace(name, std::move(t));
  }
  for (const auto& [name, expected] : checksums) {
    const auto it = file.tensors.find(name);
    if (it == file.tensors.end()) throw bad(fmt::format("metadata has a checksum for a tensor '{}' it does not hold", name));
    const std::string actual = checksum(it->second.data);
    if (actual != expected)
      throw bad(fmt::format("tensor '{}' is corrupt: its bytes have CRC-32 {}, the metadata says {}", name, actual,
                            expected));
  }
  return file;
}

File read(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw ReadError(fmt::format("cannot read checkpoint {}: {}", path.string(),
                                std::filesystem::exists(path, ec) ? "not a regular file" : "file not found"));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ReadError(fmt::format("cannot read checkpoint {}: cannot open it", path.string()));
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse(std::as_bytes(std::span(bytes)), path.string());
}

}  // namespace expt::safetensors
