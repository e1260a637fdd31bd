#include "visualize/bitmap_font.hpp"

#include <array>

namespace expt {
namespace {

// Five rows of three bits each, the leftmost pixel in the highest bit.
using Glyph = std::array<uint8_t, kGlyphHeight>;

Glyph glyph(char c) {
  switch (c) {
    case '0': return {7, 5, 5, 5, 7};
    case '1': return {2, 6, 2, 2, 7};
    case '2': return {7, 1, 7, 4, 7};
    case '3': return {7, 1, 7, 1, 7};
    case '4': return {5, 5, 7, 1, 1};
    case '5': return {7, 4, 7, 1, 7};
    case '6': return {7, 4, 7, 5, 7};
    case '7': return {7, 1, 1, 1, 1};
    case '8': return {7, 5, 7, 5, 7};
    case '9': return {7, 5, 7, 1, 7};
    case 'a': return {0, 7, 1, 7, 7};
    case 'b': return {4, 4, 7, 5, 7};
    case 'c': return {0, 7, 4, 4, 7};
    case 'e': return {7, 5, 7, 4, 7};
    case 'h': return {4, 4, 7, 5, 5};
    case 'l': return {6, 2, 2, 2, 7};
    case 'o': return {0, 7, 5, 5, 7};
    case 'p': return {0, 7, 5, 7, 4};
    case 's': return {0, 7, 6, 1, 7};
    case 't': return {2, 7, 2, 2, 3};
    case ' ': return {0, 0, 0, 0, 0};
    case '-': return {0, 0, 7, 0, 0};
    case '.': return {0, 0, 0, 0, 2};
    case ':': return {0, 2, 0, 2, 0};
    case '/': return {1, 1, 2, 4, 4};
    default: return {7, 7, 7, 7, 7};
  }
}

}  // namespace

int64_t text_width(std::string_view text, int64_t scale) {
  if (text.empty()) return 0;
  return static_cast<int64_t>(text.size()) * (kGlyphWidth + 1) * scale - scale;
}

void draw_text(Image8& image, int64_t x, int64_t y, std::string_view text, int64_t scale) {
  for (size_t i = 0; i < text.size(); ++i) {
    const Glyph g = glyph(text[i]);
    const int64_t left = x + static_cast<int64_t>(i) * (kGlyphWidth + 1) * scale;
    for (int64_t row = 0; row < kGlyphHeight; ++row)
      for (int64_t col = 0; col < kGlyphWidth; ++col) {
        if (!((g[static_cast<size_t>(row)] >> (kGlyphWidth - 1 - col)) & 1)) continue;
        for (int64_t dy = 0; dy < scale; ++dy)
          for (int64_t dx = 0; dx < scale; ++dx) {
            const int64_t py = y + row * scale + dy, px = left + col * scale + dx;
            if (py < 0 || px < 0 || py >= image.height || px >= image.width) continue;
            for (int64_t ch = 0; ch < image.channels; ++ch)
              image.pixels[static_cast<size_t>((py * image.width + px) * image.channels + ch)] = 0;
          }
      }
  }
}

}  // namespace expt
