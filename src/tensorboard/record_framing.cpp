#include "tensorboard/record_framing.hpp"

#include <cstdint>

#include "tensorboard/crc32c.hpp"

namespace expt {
namespace {

// Byte by byte, so the file is little-endian whatever the host is.
template <typename T>
std::string little_endian(T value) {
  std::string bytes(sizeof(T), '\0');
  for (size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xFFu);
  return bytes;
}

}  // namespace

void append_framed_record(std::string& out, std::string_view payload) {
  const std::string length = little_endian<uint64_t>(payload.size());
  out += length;
  out += little_endian<uint32_t>(masked_crc32c(length));
  out += payload;
  out += little_endian<uint32_t>(masked_crc32c(payload));
}

}  // namespace expt
