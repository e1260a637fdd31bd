#include "tensorboard/image_grid.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace expt {
namespace {

constexpr int64_t kGutter = 1;
constexpr uint8_t kGutterValue = 255;

// Where tile `t` gets its values: channel `ch` (< channels), row y, column x.
using TileSource = std::function<float(int64_t t, int64_t ch, int64_t y, int64_t x)>;

struct GridLayout {
  int64_t tiles, columns, tile_h, tile_w, channels;
};

Image8 draw_grid(const GridLayout& g, const TileSource& value) {
  const int64_t scale = std::max<int64_t>(1, (kMinTilePixels + std::max(g.tile_h, g.tile_w) - 1) / std::max(g.tile_h, g.tile_w));
  const int64_t cell_h = g.tile_h * scale, cell_w = g.tile_w * scale;
  const int64_t rows = (g.tiles + g.columns - 1) / g.columns;
  Image8 img;
  img.channels = g.channels;
  img.height = rows * cell_h + (rows - 1) * kGutter;
  img.width = g.columns * cell_w + (g.columns - 1) * kGutter;
  img.pixels.assign(static_cast<size_t>(img.height * img.width * img.channels), kGutterValue);

  for (int64_t t = 0; t < g.tiles; ++t) {
    float lo = INFINITY, hi = -INFINITY;
    for (int64_t ch = 0; ch < g.channels; ++ch)
      for (int64_t y = 0; y < g.tile_h; ++y)
        for (int64_t x = 0; x < g.tile_w; ++x) {
          const float v = value(t, ch, y, x);
          if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
        }
    // A constant tile (e.g. a dead ReLU map) is drawn black rather than divided by zero.
    const float range = hi > lo ? hi - lo : 1.0f;
    const int64_t top = (t / g.columns) * (cell_h + kGutter), left = (t % g.columns) * (cell_w + kGutter);
    for (int64_t y = 0; y < cell_h; ++y)
      for (int64_t x = 0; x < cell_w; ++x)
        for (int64_t ch = 0; ch < g.channels; ++ch) {
          const float v = value(t, ch, y / scale, x / scale);
          const float unit = std::isfinite(v) ? (v - lo) / range : 0.0f;
          img.pixels[static_cast<size_t>(((top + y) * img.width + left + x) * img.channels + ch)] =
              static_cast<uint8_t>(std::lround(std::clamp(unit, 0.0f, 1.0f) * 255.0f));
        }
  }
  return img;
}

int64_t square_columns(int64_t tiles) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(tiles)))));
}

}  // namespace

Image8 filter_grid(std::span<const float> weight, int64_t out, int64_t in, int64_t kh, int64_t kw) {
  const int64_t plane = kh * kw;
  if (in == 3) {
    const int64_t tiles = std::min(out, kMaxTiles);
    return draw_grid({tiles, square_columns(tiles), kh, kw, 3}, [&](int64_t t, int64_t ch, int64_t y, int64_t x) {
      return weight[static_cast<size_t>((t * in + ch) * plane + y * kw + x)];
    });
  }
  const int64_t filters = std::max<int64_t>(1, std::min(out, kMaxTiles / in));
  const int64_t channels = std::min(in, kMaxTiles);
  return draw_grid({filters * channels, channels, kh, kw, 1}, [&](int64_t t, int64_t, int64_t y, int64_t x) {
    const int64_t f = t / channels, c = t % channels;
    return weight[static_cast<size_t>((f * in + c) * plane + y * kw + x)];
  });
}

Image8 feature_map_grid(std::span<const float> activations, Shape shape) {
  const int64_t tiles = std::min(shape.c, kMaxTiles);
  return draw_grid({tiles, square_columns(tiles), shape.h, shape.w, 1}, [&](int64_t t, int64_t, int64_t y, int64_t x) {
    return activations[static_cast<size_t>((t * shape.h + y) * shape.w + x)];
  });
}

Image8 input_picture(std::span<const float> image, Shape shape) {
  if (shape.c == 3 || shape.c == 1)
    return draw_grid({1, 1, shape.h, shape.w, shape.c}, [&](int64_t, int64_t ch, int64_t y, int64_t x) {
      return image[static_cast<size_t>((ch * shape.h + y) * shape.w + x)];
    });
  return feature_map_grid(image, shape);
}

}  // namespace expt
