#pragma once
// A reader of TFRecord event files for the tests, written from the format's description rather
// than from record_framing.cpp; it checks both CRCs of every record (with the library's CRC-32C,
// which test_crc32c checks against published check values).
#include <filesystem>
#include <string>
#include <vector>

#include "tb_event.pb.h"

namespace expt::test {

struct RecordScan {
  std::vector<std::string> payloads;   // the good records before the first problem
  std::string problem;                 // empty when the whole file was read cleanly
};

RecordScan scan_records(const std::string& bytes);
std::string read_bytes(const std::filesystem::path& file);

// The one event file in `dir`; fails the test when there is none or several.
std::filesystem::path single_event_file(const std::filesystem::path& dir);
// All events of a file, after checking that it reads cleanly and starts with the file version.
std::vector<tb::Event> read_events(const std::filesystem::path& file);

// The summary values with `tag`, with their event's step.
struct TaggedValue {
  int64_t step;
  tb::Summary::Value value;
};
std::vector<TaggedValue> values_with_tag(const std::vector<tb::Event>& events, const std::string& tag);

}  // namespace expt::test
