#pragma once
// Reads a GIF back with libgif, as any viewer would: the frame count, the screen size and each
// frame's pixels through the global palette.
#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace expt::test {

struct DecodedGif {
  int width = 0, height = 0;
  std::vector<std::vector<std::array<int, 3>>> frames;  // per frame, per pixel (row-major): red, green, blue
};

inline DecodedGif decode_gif(const std::string& bytes) {
  struct Reader {
    const std::string* bytes;
    size_t at = 0;
  } reader{&bytes};
  auto input = [](GifFileType* gif, GifByteType* out, int n) {
    auto* r = static_cast<Reader*>(gif->UserData);
    const size_t take = std::min(static_cast<size_t>(n), r->bytes->size() - r->at);
    std::memcpy(out, r->bytes->data() + r->at, take);
    r->at += take;
    return static_cast<int>(take);
  };
  int error = 0;
  GifFileType* gif = DGifOpen(&reader, input, &error);
  REQUIRE_MESSAGE(gif != nullptr, GifErrorString(error));
  REQUIRE(DGifSlurp(gif) == GIF_OK);
  DecodedGif out{gif->SWidth, gif->SHeight, {}};
  REQUIRE(gif->SColorMap != nullptr);
  for (int i = 0; i < gif->ImageCount; ++i) {
    const SavedImage& image = gif->SavedImages[i];
    REQUIRE(image.ImageDesc.Width == gif->SWidth);
    REQUIRE(image.ImageDesc.Height == gif->SHeight);
    std::vector<std::array<int, 3>> pixels;
    for (int p = 0; p < gif->SWidth * gif->SHeight; ++p) {
      const GifColorType c = gif->SColorMap->Colors[image.RasterBits[p]];
      pixels.push_back({c.Red, c.Green, c.Blue});
    }
    out.frames.push_back(std::move(pixels));
  }
  DGifCloseFile(gif, &error);
  return out;
}

}  // namespace expt::test
