// Host buffers: touched ones are resident from the start (a step must not page-fault), the
// on_first_write ones (gradients below a frozen trunk) cost no resident memory until written.
#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "backends/onednn/buffers.hpp"

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

}  // namespace expt::onednn_test
