#include "visualize/gif_encode.hpp"

#include <gif_lib.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"

namespace expt {
namespace {

Error gif_error(const char* what, int code) {
  return Error(ExitCode::failure, fmt::format("GIF encoding failed in {}: {}", what, GifErrorString(code)));
}

// libgif's output callback: appends to the std::string behind UserData.
int append(GifFileType* gif, const GifByteType* bytes, int length) {
  static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(bytes), static_cast<size_t>(length));
  return length;
}

// 256 grey levels, or red and green in 3 bits and blue in 2. Index 0 is black and 255 white in both.
ColorMapObject* palette(int64_t channels) {
  GifColorType colors[256];
  for (int i = 0; i < 256; ++i) {
    if (channels == 1)
      colors[i] = {static_cast<GifByteType>(i), static_cast<GifByteType>(i), static_cast<GifByteType>(i)};
    else
      colors[i] = {static_cast<GifByteType>((i >> 5) * 255 / 7), static_cast<GifByteType>(((i >> 2) & 7) * 255 / 7),
                   static_cast<GifByteType>((i & 3) * 255 / 3)};
  }
  return GifMakeMapObject(256, colors);
}

uint8_t palette_index(const Image8& image, size_t pixel) {
  const uint8_t* p = &image.pixels[pixel * static_cast<size_t>(image.channels)];
  if (image.channels == 1) return p[0];
  return static_cast<uint8_t>(((p[0] * 7 + 127) / 255) << 5 | ((p[1] * 7 + 127) / 255) << 2 | (p[2] * 3 + 127) / 255);
}

// NETSCAPE2.0 with a loop count of 0: browsers repeat the animation forever.
void add_loop_forever(SavedImage& first) {
  unsigned char app[] = "NETSCAPE2.0";
  unsigned char loop[] = {1, 0, 0};
  GifAddExtensionBlock(&first.ExtensionBlockCount, &first.ExtensionBlocks, APPLICATION_EXT_FUNC_CODE, 11, app);
  GifAddExtensionBlock(&first.ExtensionBlockCount, &first.ExtensionBlocks, CONTINUE_EXT_FUNC_CODE, 3, loop);
}

}  // namespace

std::string encode_gif(const std::vector<Image8>& frames, int delay_centiseconds) {
  if (frames.empty()) throw Error(ExitCode::failure, "GIF encoding: no frames");
  const Image8& first = frames.front();
  for (const Image8& f : frames)
    if (f.width != first.width || f.height != first.height || f.channels != first.channels)
      throw Error(ExitCode::failure, "GIF encoding: frames differ in size or channels");
  if (first.width > 65535 || first.height > 65535)
    throw Error(ExitCode::failure, fmt::format("GIF encoding: {}x{} is larger than GIF's 65535x65535", first.width,
                                               first.height));

  std::string out;
  int code = 0;
  GifFileType* gif = EGifOpen(&out, append, &code);
  if (!gif) throw gif_error("EGifOpen", code);
  gif->SWidth = static_cast<GifWord>(first.width);
  gif->SHeight = static_cast<GifWord>(first.height);
  gif->SColorResolution = 8;
  gif->SBackGroundColor = 255;
  gif->SColorMap = palette(first.channels);
  const size_t pixels = static_cast<size_t>(first.width * first.height);
  for (size_t i = 0; i < frames.size(); ++i) {
    SavedImage* image = GifMakeSavedImage(gif, nullptr);
    image->ImageDesc = {0, 0, gif->SWidth, gif->SHeight, false, nullptr};
    // libgif frees the raster with free() when it closes the file.
    image->RasterBits = static_cast<GifByteType*>(std::malloc(pixels));
    for (size_t p = 0; p < pixels; ++p) image->RasterBits[p] = palette_index(frames[i], p);
    if (i == 0) add_loop_forever(*image);
    const GraphicsControlBlock timing{DISPOSAL_UNSPECIFIED, false, delay_centiseconds, NO_TRANSPARENT_COLOR};
    EGifGCBToSavedExtension(&timing, gif, static_cast<int>(i));
  }
  // EGifSpew writes everything and closes the file, freeing what it holds, unless it fails.
  if (EGifSpew(gif) == GIF_ERROR) {
    code = gif->Error;
    EGifCloseFile(gif, nullptr);
    throw gif_error("EGifSpew", code);
  }
  return out;
}

}  // namespace expt
