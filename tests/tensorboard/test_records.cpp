#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/error.hpp"
#include "event_reader.hpp"
#include "tensorboard/event_file_writer.hpp"
#include "tensorboard/record_framing.hpp"
#include "tensorboard/summaries.hpp"

using namespace expt;
using namespace expt::test;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(EXPT_BINARY_DIR) / "test_output" / "tensorboard_records" / name;
  fs::remove_all(dir);
  return dir;
}

std::string three_records() {
  std::string bytes;
  append_framed_record(bytes, "first");
  append_framed_record(bytes, std::string(300, 'x'));
  append_framed_record(bytes, "");
  return bytes;
}

}  // namespace

TEST_CASE("framed records read back with both CRCs verified") {
  const std::string bytes = three_records();
  CHECK(bytes.size() == 3 * 16 + 5 + 300);
  const RecordScan scan = scan_records(bytes);
  CHECK(scan.problem.empty());
  REQUIRE(scan.payloads.size() == 3);
  CHECK(scan.payloads[0] == "first");
  CHECK(scan.payloads[1] == std::string(300, 'x'));
  CHECK(scan.payloads[2].empty());
}

TEST_CASE("every single bit flip is detected, and only records after it are lost") {
  const std::string good = three_records();
  const size_t first_record = 16 + 5;
  for (size_t byte = 0; byte < good.size(); ++byte)
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
      const RecordScan scan = scan_records(bad);
      REQUIRE_MESSAGE(!scan.problem.empty(), "flip of bit " << bit << " in byte " << byte << " went unnoticed");
      if (byte >= first_record) CHECK(scan.payloads.size() >= 1);
    }
}

TEST_CASE("every truncation is detected and keeps the whole records before it") {
  const std::string good = three_records();
  for (size_t length = 1; length < good.size(); ++length) {
    const RecordScan scan = scan_records(good.substr(0, length));
    const bool on_boundary = length == 21 || length == 21 + 316;
    CHECK_MESSAGE(scan.problem.empty() == on_boundary, "cut at " << length);
    CHECK(scan.payloads.size() == (length < 21 ? 0u : length < 337 ? 1u : 2u));
  }
}

TEST_CASE("an event file is named as TensorBoard expects and starts with the file version") {
  const fs::path dir = fresh_dir("naming");
  EventFileWriter writer(dir, 0);
  writer.write_summary(7, scalar_summary("loss", 0.25));
  writer.close();

  const fs::path file = single_event_file(dir);
  CHECK(file.filename().string().starts_with("events.out.tfevents."));
  const auto events = read_events(file);
  REQUIRE(events.size() == 2);
  CHECK(events[0].wall_time() > 1.6e9);
  const auto loss = values_with_tag(events, "loss");
  REQUIRE(loss.size() == 1);
  CHECK(loss[0].step == 7);
  CHECK(loss[0].value.simple_value() == 0.25f);
  CHECK_THROWS_AS(writer.write_summary(8, scalar_summary("loss", 0.5)), IoError);
}

TEST_CASE("two writers in one folder in the same second get different files") {
  const fs::path dir = fresh_dir("two");
  EventFileWriter a(dir, 0), b(dir, 0);
  CHECK(a.path() != b.path());
}

TEST_CASE("writes are buffered until the periodic flush, then durable without close") {
  const fs::path dir = fresh_dir("periodic");
  EventFileWriter writer(dir, 0.2);
  writer.write_summary(1, scalar_summary("loss", 1.0));
  // Buffered: only the file-version record is in the file yet.
  CHECK(scan_records(read_bytes(writer.path())).payloads.size() == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const RecordScan scan = scan_records(read_bytes(writer.path()));
  CHECK(scan.problem.empty());
  CHECK(scan.payloads.size() == 2);
}

TEST_CASE("a long flush interval still writes everything on close") {
  const fs::path dir = fresh_dir("close");
  {
    EventFileWriter writer(dir, 3600);
    for (int step = 0; step < 100; ++step) writer.write_summary(step, scalar_summary("loss", step));
    CHECK(scan_records(read_bytes(writer.path())).payloads.size() == 1);
    writer.close();
  }
  const auto events = read_events(single_event_file(dir));
  CHECK(values_with_tag(events, "loss").size() == 100);
}

TEST_CASE("the destructor flushes too (the path taken when an exception unwinds)") {
  const fs::path dir = fresh_dir("destructor");
  { EventFileWriter(dir, 3600).write_summary(3, scalar_summary("accuracy", 0.5)); }
  CHECK(values_with_tag(read_events(single_event_file(dir)), "accuracy").size() == 1);
}

TEST_CASE("an unwritable folder is an IoError naming it") {
  const fs::path file = fresh_dir("blocked");
  fs::create_directories(file.parent_path());
  std::ofstream(file) << "not a folder";
  CHECK_THROWS_AS(EventFileWriter(file / "train", 0), IoError);
}
