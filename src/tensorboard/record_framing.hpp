#pragma once
// TFRecord framing, the container of event files: each record is
//   uint64 length | uint32 masked CRC-32C of those 8 bytes | payload | uint32 masked CRC-32C of payload
// all little-endian. A reader can thus tell a torn or corrupted record from a good one.
#include <string>
#include <string_view>

namespace expt {

// Appends one framed record holding `payload` to `out`.
void append_framed_record(std::string& out, std::string_view payload);

}  // namespace expt
