#include "data/image_cache.hpp"

#include <zlib.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "core/atomic_file.hpp"

namespace expt {
namespace {

constexpr std::array<char, 8> kMagic{'E', 'X', 'P', 'T', 'I', 'M', 'G', 'C'};
constexpr uint64_t kFormatVersion = 1;

struct Header {
  std::array<char, 8> magic = kMagic;
  uint64_t version = kFormatVersion;
  uint64_t key = 0;
  uint64_t files = 0;
  uint64_t c = 0, h = 0, w = 0;
  uint64_t metadata_bytes = 0, pixel_bytes = 0;
  uint32_t metadata_crc = 0, pixel_crc = 0;
};
static_assert(sizeof(Header) == 80);

uint32_t crc_of(const void* data, size_t size) {
  return static_cast<uint32_t>(crc32_z(0, static_cast<const Bytef*>(data), size));
}

template <class T>
void append(std::vector<std::byte>& out, const T* data, size_t count) {
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
  out.insert(out.end(), bytes, bytes + count * sizeof(T));
}

std::vector<std::byte> metadata_of(const DecodedFiles& files) {
  std::vector<std::byte> out;
  append(out, files.labels.data(), files.labels.size());
  append(out, files.decoded.data(), files.decoded.size());
  for (const auto& s : files.skipped) {
    const auto length = static_cast<uint32_t>(s.size());
    append(out, &length, 1);
    append(out, s.data(), s.size());
  }
  return out;
}

// Reads the metadata back; false when it does not parse as `files` entries.
bool parse_metadata(const std::vector<std::byte>& bytes, uint64_t count, DecodedFiles& files) {
  const size_t fixed = count * (sizeof(int32_t) + 1);
  if (bytes.size() < fixed) return false;
  files.labels.resize(count);
  files.decoded.resize(count);
  std::memcpy(files.labels.data(), bytes.data(), count * sizeof(int32_t));
  std::memcpy(files.decoded.data(), bytes.data() + count * sizeof(int32_t), count);
  size_t at = fixed;
  while (at < bytes.size()) {
    uint32_t length = 0;
    if (bytes.size() - at < sizeof length) return false;
    std::memcpy(&length, bytes.data() + at, sizeof length);
    at += sizeof length;
    if (bytes.size() - at < length) return false;
    files.skipped.emplace_back(reinterpret_cast<const char*>(bytes.data() + at), length);
    at += length;
  }
  return true;
}

}  // namespace

std::filesystem::path image_cache_folder(const DataConfig& config) {
  if (!config.cache_dir.empty()) return config.cache_dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "expt";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".cache" / "expt";
  return std::filesystem::path(".cache") / "expt";
}

std::optional<DecodedFiles> read_image_cache(const std::filesystem::path& path, uint64_t key, std::string& why_not) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why_not = "absent";
    return std::nullopt;
  }
  Header header;
  const auto corrupt = [&](std::string_view what) {
    why_not = fmt::format("corrupt: {}", what);
    return std::nullopt;
  };
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header)) return corrupt("shorter than its header");
  if (header.magic != kMagic) return corrupt("not an expt image cache");
  if (header.version != kFormatVersion || header.key != key) {
    why_not = "stale";
    return std::nullopt;
  }
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(path, ec);
  const uint64_t image_bytes = header.c * header.h * header.w;
  if (ec || size != sizeof header + header.metadata_bytes + header.pixel_bytes)
    return corrupt("its size does not match its header");

  DecodedFiles files;
  files.shape = Shape{static_cast<int64_t>(header.c), static_cast<int64_t>(header.h), static_cast<int64_t>(header.w)};
  std::vector<std::byte> metadata(header.metadata_bytes);
  if (!in.read(reinterpret_cast<char*>(metadata.data()), static_cast<std::streamsize>(metadata.size())))
    return corrupt("cannot read its metadata");
  if (crc_of(metadata.data(), metadata.size()) != header.metadata_crc) return corrupt("metadata checksum mismatch");
  if (!parse_metadata(metadata, header.files, files)) return corrupt("malformed metadata");
  uint64_t decoded = 0;
  for (uint8_t d : files.decoded) decoded += d;
  if (image_bytes == 0 || decoded * image_bytes != header.pixel_bytes) return corrupt("pixel count mismatch");

  files.pixels.resize(header.pixel_bytes);
  if (!in.read(reinterpret_cast<char*>(files.pixels.data()), static_cast<std::streamsize>(files.pixels.size())))
    return corrupt("cannot read its pixels");
  if (crc_of(files.pixels.data(), files.pixels.size()) != header.pixel_crc) return corrupt("pixel checksum mismatch");
  return files;
}

void write_image_cache(const std::filesystem::path& path, uint64_t key, const DecodedFiles& files) {
  const std::vector<std::byte> metadata = metadata_of(files);
  Header header;
  header.key = key;
  header.files = files.labels.size();
  header.c = static_cast<uint64_t>(files.shape.c);
  header.h = static_cast<uint64_t>(files.shape.h);
  header.w = static_cast<uint64_t>(files.shape.w);
  header.metadata_bytes = metadata.size();
  header.pixel_bytes = files.pixels.size();
  header.metadata_crc = crc_of(metadata.data(), metadata.size());
  header.pixel_crc = crc_of(files.pixels.data(), files.pixels.size());

  std::vector<std::byte> bytes;
  bytes.reserve(sizeof header + metadata.size() + files.pixels.size());
  append(bytes, &header, 1);
  bytes.insert(bytes.end(), metadata.begin(), metadata.end());
  append(bytes, files.pixels.data(), files.pixels.size());
  write_file_atomically(path, bytes);
}

}  // namespace expt
