#pragma once
// Decodes a PNG with libpng's reader, for round-trip checks of what the writer encoded.
#include <string>

#include "tensorboard/png_encode.hpp"

namespace expt::test {

// Fails the test when libpng cannot read `png`; keeps the file's own channel count (1 or 3).
Image8 decode_png(const std::string& png);

}  // namespace expt::test
