#pragma once
// A 3x5-pixel font for the labels drawn on pictures ("step 1200"): digits, lower-case letters and
// a few signs. No Debian library renders text into a pixel buffer without a font file and a
// layout engine, which a step number does not need.
#include <cstdint>
#include <string_view>

#include "tensorboard/png_encode.hpp"

namespace expt {

inline constexpr int64_t kGlyphWidth = 3, kGlyphHeight = 5;

// Pixels `text` takes at `scale` (each font pixel a scale x scale square, a column between letters).
int64_t text_width(std::string_view text, int64_t scale);

// Draws `text` in black with its top left at (x, y); what falls outside the image is clipped.
// A character the font lacks is drawn as a filled box.
void draw_text(Image8& image, int64_t x, int64_t y, std::string_view text, int64_t scale);

}  // namespace expt
