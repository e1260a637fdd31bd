#pragma once
// The sizes a sliding-window layer (conv2d, max_pool, avg_pool) needs for a batch of n samples.
#include <algorithm>
#include <cstdint>

#include "layers/network_plan.hpp"

namespace expt::reference {

struct WindowGeometry {
  int64_t n = 1;
  int64_t in_c = 1, in_h = 1, in_w = 1;
  int64_t out_c = 1, out_h = 1, out_w = 1;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  // Only top/left are needed: the bottom/right padding is implied by out_h/out_w.
  int64_t pad_top = 0, pad_left = 0;

  int64_t in_size() const { return in_c * in_h * in_w; }    // per sample
  int64_t out_size() const { return out_c * out_h * out_w; }  // per sample
};

// The kernel taps [begin, end) of a window starting at input row/column `origin` (negative
// inside the top/left padding) that land on real input pixels.
struct TapRange {
  int64_t begin, end;
};
inline TapRange taps_inside(int64_t origin, int64_t kernel, int64_t in) {
  return TapRange{std::max<int64_t>(0, -origin), std::min(kernel, in - origin)};
}

// The window under one output position: its top-left corner in the input (negative inside the
// top/left padding) and the kernel taps that land on real pixels.
struct Window {
  int64_t ih0, iw0, in_w;
  TapRange rows, cols;

  int64_t pixel(int64_t kh, int64_t kw) const { return (ih0 + kh) * in_w + iw0 + kw; }  // index in the input plane
  int64_t real_pixels() const { return (rows.end - rows.begin) * (cols.end - cols.begin); }
};

// Calls visit(output index within the plane, window) for every output position, row by row.
template <class Visit>
void for_each_window(const WindowGeometry& g, Visit&& visit) {
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    const int64_t ih0 = oh * g.stride_h - g.pad_top;
    const TapRange rows = taps_inside(ih0, g.kernel_h, g.in_h);
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const int64_t iw0 = ow * g.stride_w - g.pad_left;
      visit(oh * g.out_w + ow, Window{ih0, iw0, g.in_w, rows, taps_inside(iw0, g.kernel_w, g.in_w)});
    }
  }
}

inline WindowGeometry window_geometry(const PlannedLayer& layer, int64_t n) {
  const LayerSpec& s = layer.spec;
  return WindowGeometry{n,          layer.in.c,  layer.in.h,  layer.in.w,     layer.out.c,    layer.out.h, layer.out.w,
                        s.kernel_h, s.kernel_w,  s.stride_h,  s.stride_w,     layer.pad_top,  layer.pad_left};
}

}  // namespace expt::reference
