#include "core/safetensors.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <functional>
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
constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the safetensors format's own limit

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

namespace {

// A tensor's place in the data section, as the header gives it.
struct Entry {
  TensorInfo info;
  uint64_t begin = 0, end = 0;
};

struct Header {
  std::map<std::string, std::string> metadata;
  std::map<std::string, std::string> checksums;
  std::map<std::string, Entry> entries;
};

using Failure = std::function<ReadError(const std::string&)>;

// The JSON header of a file whose data section holds `data_size` bytes: every tensor's dtype,
// shape and offsets are checked to fit it.
Header parse_header(const char* text, uint64_t n, uint64_t data_size, const Failure& bad) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text, text + n);
  } catch (const nlohmann::json::exception& e) {
    throw bad(fmt::format("malformed JSON header: {}", e.what()));
  }
  if (!json.is_object()) throw bad("the JSON header is not an object");
  Header header;
  for (const auto& item : json.items()) {
    const std::string& name = item.key();  // not a structured binding: clang 14 lambdas cannot capture those
    const nlohmann::json& entry = item.value();
    if (name == "__metadata__") {
      if (!entry.is_object()) throw bad("__metadata__ is not an object");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) throw bad(fmt::format("metadata '{}' is {}, not a string", key, value.type_name()));
        if (key.starts_with(kChecksumPrefix))
          header.checksums[key.substr(kChecksumPrefix.size())] = value.get<std::string>();
        else
          header.metadata[key] = value.get<std::string>();
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
    Entry e;
    try {
      e.info.dtype = entry.at("dtype").get<std::string>();
      e.info.shape = integers("shape").get<std::vector<int64_t>>();
      const auto offsets = integers("data_offsets").get<std::vector<uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size)
        throw bad(fmt::format("tensor '{}' lies outside the file (truncated?)", name));
      std::optional<uint64_t> count = element_size(e.info.dtype);
      if (*count == 0) throw bad(fmt::format("tensor '{}' has unsupported dtype {}", name, e.info.dtype));
      for (int64_t d : e.info.shape) {
        if (d < 0) throw bad(fmt::format("tensor '{}' has a negative dimension {}", name, d));
        if (count) count = checked_product<uint64_t>({*count, static_cast<uint64_t>(d)});
      }
      if (!count || *count != offsets[1] - offsets[0])
        throw bad(fmt::format("tensor '{}' has {} bytes but its shape needs {}", name, offsets[1] - offsets[0],
                              count ? fmt::to_string(*count) : std::string("more than 2^64")));
      e.begin = offsets[0];
      e.end = offsets[1];
    } catch (const nlohmann::json::exception& ex) {
      throw bad(fmt::format("malformed entry for '{}': {}", name, ex.what()));
    }
    header.entries.emplace(name, std::move(e));
  }
  return header;
}

uint64_t header_length(std::span<const std::byte> first8) {
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= std::to_integer<uint64_t>(first8[i]) << (8 * i);
  return n;
}

Failure failure(const std::string& source) {
  return [source](const std::string& why) { return ReadError(fmt::format("cannot read checkpoint {}: {}", source, why)); };
}

void require_regular_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw ReadError(fmt::format("cannot read checkpoint {}: {}", path.string(),
                                std::filesystem::exists(path, ec) ? "not a regular file" : "file not found"));
}

}  // namespace

File parse(std::span<const std::byte> bytes, const std::string& source) {
  const Failure bad = failure(source);
  if (bytes.size() < 8) throw bad("truncated (shorter than the 8-byte header length)");
  const uint64_t n = header_length(bytes);
  if (n > bytes.size() - 8) throw bad("truncated header");
  const auto data = bytes.subspan(8 + n);
  Header header = parse_header(reinterpret_cast<const char*>(bytes.data() + 8), n, data.size(), bad);
  File file;
  file.metadata = std::move(header.metadata);
  for (auto& [name, e] : header.entries) {
    const auto stored = data.subspan(e.begin, e.end - e.begin);
    file.tensors.emplace(name, Tensor{std::move(e.info.dtype), std::move(e.info.shape), {stored.begin(), stored.end()}});
  }
  for (const auto& [name, expected] : header.checksums) {
    const auto it = file.tensors.find(name);
    if (it == file.tensors.end()) throw bad(fmt::format("metadata has a checksum for a tensor '{}' it does not hold", name));
    const std::string actual = checksum(it->second.data);
    if (actual != expected)
      throw bad(fmt::format("tensor '{}' is corrupt: its bytes have CRC-32 {}, the metadata says {}", name, actual,
                            expected));
  }
  return file;
}

std::map<std::string, TensorInfo> read_header(const std::filesystem::path& path) {
  require_regular_file(path);
  const Failure bad = failure(path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad("cannot open it");
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw bad(ec.message());
  std::array<std::byte, 8> first8{};
  if (size < 8 || !in.read(reinterpret_cast<char*>(first8.data()), 8))
    throw bad("truncated (shorter than the 8-byte header length)");
  const uint64_t n = header_length(first8);
  if (n > size - 8) throw bad("truncated header");
  if (n > kMaxHeaderBytes) throw bad(fmt::format("header of {} bytes, more than the format's limit of 100 MB", n));
  std::string text(n, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(n))) throw bad("truncated header");
  std::map<std::string, TensorInfo> tensors;
  for (auto& [name, e] : parse_header(text.data(), n, size - 8 - n, bad).entries) tensors.emplace(name, std::move(e.info));
  return tensors;
}

File read(const std::filesystem::path& path) {
  require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ReadError(fmt::format("cannot read checkpoint {}: cannot open it", path.string()));
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse(std::as_bytes(std::span(bytes)), path.string());
}

}  // namespace expt::safetensors
