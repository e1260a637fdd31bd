#include "event_reader.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <iterator>

#include "tensorboard/crc32c.hpp"

namespace expt::test {
namespace {

uint64_t load_le(const std::string& bytes, size_t at, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[at + i])) << (8 * i);
  return v;
}

}  // namespace

RecordScan scan_records(const std::string& bytes) {
  RecordScan scan;
  size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < 12) {
      scan.problem = "truncated header";
      return scan;
    }
    const uint64_t length = load_le(bytes, at, 8);
    if (load_le(bytes, at + 8, 4) != masked_crc32c(std::string_view(bytes).substr(at, 8))) {
      scan.problem = "length CRC mismatch";
      return scan;
    }
    if (bytes.size() - at - 12 < length + 4) {
      scan.problem = "truncated payload";
      return scan;
    }
    const std::string payload = bytes.substr(at + 12, length);
    if (load_le(bytes, at + 12 + length, 4) != masked_crc32c(payload)) {
      scan.problem = "payload CRC mismatch";
      return scan;
    }
    scan.payloads.push_back(payload);
    at += 12 + length + 4;
  }
  return scan;
}

std::string read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::filesystem::path single_event_file(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().filename().string().starts_with("events.out.tfevents."))
      found.push_back(entry.path());
  REQUIRE_MESSAGE(found.size() == 1, found.size() << " event files in " << dir);
  return found.front();
}

std::vector<tb::Event> read_events(const std::filesystem::path& file) {
  const RecordScan scan = scan_records(read_bytes(file));
  REQUIRE_MESSAGE(scan.problem.empty(), file << ": " << scan.problem);
  std::vector<tb::Event> events;
  for (const auto& payload : scan.payloads) {
    tb::Event e;
    REQUIRE(e.ParseFromString(payload));
    events.push_back(std::move(e));
  }
  REQUIRE_FALSE(events.empty());
  CHECK(events.front().file_version() == "brain.Event:2");
  return events;
}

std::vector<TaggedValue> values_with_tag(const std::vector<tb::Event>& events, const std::string& tag) {
  std::vector<TaggedValue> out;
  for (const auto& e : events)
    for (const auto& v : e.summary().value())
      if (v.tag() == tag) out.push_back({e.step(), v});
  return out;
}

}  // namespace expt::test
