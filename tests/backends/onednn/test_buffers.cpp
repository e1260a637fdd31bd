// Host buffers: touched ones are resident from the start (a step must not page-fault), the
// on_first_write ones (gradients below a frozen trunk) cost no resident memory until written;
// kernels' scratch starts on a cache line.
#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "backends/onednn/buffers.hpp"
#include "backends/onednn/line_aligned.hpp"

namespace expt::onednn_test {

namespace {

// How many of the buffer's pages are resident now (mincore).
size_t resident_pages(const onednn::Buffer& buffer) {
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> state((buffer.bytes() + page - 1) / page);
  REQUIRE(mincore(buffer.data(), buffer.bytes(), state.data()) == 0);
  size_t resident = 0;
  for (const unsigned char s : state) resident += s & 1;
  return resident;
}

}  // namespace

TEST_CASE("buffers: touched pages are resident at once, on_first_write pages once written") {
  const size_t bytes = size_t{64} << 20;
  const auto pages = bytes / static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const onednn::Buffer touched(bytes);
  CHECK(resident_pages(touched) == pages);

  const onednn::Buffer lazy(bytes, onednn::Buffer::Pages::on_first_write);
  CHECK(resident_pages(lazy) == 0);
  const auto* floats = lazy.floats();
  CHECK(floats[0] == 0.0f);  // reads as zeros
  std::memset(lazy.data(), 1, bytes / 2);
  // At least the written half; transparent huge pages may map up to 2 MiB more at its end.
  const size_t resident = resident_pages(lazy);
  CHECK(resident >= pages / 2);
  CHECK(resident <= pages / 2 + (size_t{2} << 20) / static_cast<size_t>(sysconf(_SC_PAGESIZE)));
}

TEST_CASE("buffers: line_aligned scratch starts on a cache line and holds what was asked") {
  // Sizes the allocator serves from its heap and from mmap; std::vector's own data lies 16 bytes
  // past a line for the large ones, so the offset is really applied.
  for (const int64_t floats : {int64_t{1}, int64_t{1000}, int64_t{50000}, int64_t{400000}}) {
    CAPTURE(floats);
    std::vector<float> buffer;
    float* scratch = onednn::line_aligned(buffer, floats);
    CHECK(reinterpret_cast<uintptr_t>(scratch) % 64 == 0);
    CHECK(scratch >= buffer.data());
    CHECK(scratch + floats <= buffer.data() + buffer.size());
    // Kept between calls: a smaller request reuses the buffer without moving it.
    const float* before = buffer.data();
    CHECK(onednn::line_aligned(buffer, floats / 2) == scratch);
    CHECK(buffer.data() == before);
  }
}

}  // namespace expt::onednn_test
