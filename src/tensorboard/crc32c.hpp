#pragma once
// CRC-32C (Castagnoli), the checksum of TFRecord framing. Debian ships no C/C++ library for it
// (only a Python one), and a table-driven version is a few lines and fast enough for logs.
#include <cstdint>
#include <string_view>

namespace expt {

uint32_t crc32c(std::string_view bytes);

// TFRecord stores checksums "masked" (rotated and offset) so that a CRC of data that itself
// contains CRCs does not degenerate.
uint32_t masked_crc32c(std::string_view bytes);

}  // namespace expt
