// libjpeg-turbo through its TurboJPEG API (Debian's libturbojpeg0).
#include <turbojpeg.h>

#include <memory>

#include <fmt/format.h>

#include "data/image_decode.hpp"

namespace expt {
namespace {

struct HandleCloser {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using Handle = std::unique_ptr<void, HandleCloser>;

// The smallest DCT-scaled size that is still at least min_height x min_width (1/1 when the
// image is already smaller), so the antialiased resize afterwards sees enough pixels.
tjscalingfactor scaling_for(int width, int height, int64_t min_height, int64_t min_width) {
  int count = 0;
  const tjscalingfactor* factors = tjGetScalingFactors(&count);
  tjscalingfactor best{1, 1};
  for (int i = 0; i < count; ++i) {
    const tjscalingfactor f = factors[i];
    if (f.num > f.denom) continue;  // enlarging
    const int w = TJSCALED(width, f), h = TJSCALED(height, f);
    if (w >= min_width && h >= min_height && w < TJSCALED(width, best)) best = f;
  }
  return best;
}

// Adobe's convention, which Photoshop and libjpeg-turbo's own CMYK writer follow: the stored
// values are inverted (255 = no ink), so R = C * K / 255 and likewise G, B. Without a colour
// profile this is the usual approximation.
std::vector<uint8_t> inverted_cmyk_to_rgb(const std::vector<uint8_t>& cmyk) {
  std::vector<uint8_t> rgb(cmyk.size() / 4 * 3);
  for (size_t p = 0, q = 0; p < cmyk.size(); p += 4, q += 3) {
    const unsigned k = cmyk[p + 3];
    for (size_t c = 0; c < 3; ++c) rgb[q + c] = static_cast<uint8_t>((cmyk[p + c] * k + 127) / 255);
  }
  return rgb;
}

std::vector<uint8_t> rgb_to_gray(const std::vector<uint8_t>& rgb) {
  std::vector<uint8_t> gray(rgb.size() / 3);
  for (size_t j = 0; j < gray.size(); ++j)  // ITU-R BT.601, as convert_channels
    gray[j] = static_cast<uint8_t>((299 * rgb[3 * j] + 587 * rgb[3 * j + 1] + 114 * rgb[3 * j + 2] + 500) / 1000);
  return gray;
}

}  // namespace

DecodedImage decode_jpeg(std::span<const uint8_t> bytes, int64_t channels, int64_t min_height, int64_t min_width) {
  const Handle handle(tjInitDecompress());
  if (!handle) throw DecodeError(fmt::format("libjpeg-turbo: {}", tjGetErrorStr2(nullptr)));
  auto* data = const_cast<unsigned char*>(bytes.data());  // TurboJPEG 2.1 takes non-const input
  const auto size = static_cast<unsigned long>(bytes.size());
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle.get(), data, size, &width, &height, &subsampling, &colorspace) != 0)
    throw DecodeError(fmt::format("bad JPEG header: {}", tjGetErrorStr2(handle.get())));
  // Checked on the stored size: progressive JPEGs keep the whole image's coefficients.
  check_pixel_budget(width, height);

  const tjscalingfactor scale = scaling_for(width, height, min_height, min_width);
  DecodedImage image{TJSCALED(height, scale), TJSCALED(width, scale), channels, {}};
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  const int format = cmyk ? TJPF_CMYK : channels == 1 ? TJPF_GRAY : TJPF_RGB;
  std::vector<uint8_t> pixels(static_cast<size_t>(image.height * image.width * tjPixelSize[format]));
  // Warnings count as failures: libjpeg-turbo reports a truncated file ("Premature end of JPEG
  // file") as a warning and fills the rest with gray, which would train on a broken image.
  if (tjDecompress2(handle.get(), data, size, pixels.data(), static_cast<int>(image.width), 0,
                    static_cast<int>(image.height), format, 0) != 0)
    throw DecodeError(fmt::format("JPEG data: {}", tjGetErrorStr2(handle.get())));
  if (cmyk) {
    pixels = inverted_cmyk_to_rgb(pixels);
    if (channels == 1) pixels = rgb_to_gray(pixels);
  }
  image.pixels = std::move(pixels);
  return image;
}

}  // namespace expt
