#pragma once
// One image file turned into a data set's image, exactly as image data sets load theirs: read
// (regular files only, up to kMaxImageFileBytes), decoded to shape.c channels and resized to
// shape.h x shape.w by the `resize` rule (data.resize). Image data sets and `expt predict`
// share it, so a file predicted on gets the pixels it would have had in training.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "core/shape.hpp"

namespace expt {

// Writes shape.size() bytes (CHW) into `out`. Throws DecodeError (data/image_decode.hpp) with
// the reason when the file cannot be read or decoded.
void load_image_file(const std::filesystem::path& path, const Shape& shape, std::string_view resize,
                     std::span<uint8_t> out);

}  // namespace expt
