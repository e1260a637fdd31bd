#include <doctest/doctest.h>

#include <string>

#include "tensorboard/crc32c.hpp"

using namespace expt;

TEST_CASE("CRC-32C matches the published check values") {
  CHECK(crc32c("") == 0u);
  CHECK(crc32c("123456789") == 0xE3069283u);               // the standard check value
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);      // RFC 3720, B.4
  CHECK(crc32c(std::string(32, '\xFF')) == 0x62A8AB43u);
}

TEST_CASE("masked CRC-32C matches TensorBoard's masked_crc32c") {
  // Values computed with tensorboard/compat/tensorflow_stub/pywrap_tensorflow.py.
  CHECK(masked_crc32c("123456789") == 0xC78AB0E5u);
  CHECK(masked_crc32c(std::string(8, '\0')) == 0x07980329u);
}
