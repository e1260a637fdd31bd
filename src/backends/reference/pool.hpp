#pragma once
// max_pool and avg_pool forward and backward as plain loops over [n, c, h, w] planes.
// Windows are clipped to the real input: `same` padding never contributes a value, so a max
// ignores it and an average divides by the number of real pixels (TensorFlow's `same`,
// PyTorch's count_include_pad=False). Each parallel iteration owns one (sample, channel) plane.
#include "backends/reference/window_geometry.hpp"

namespace expt::reference {

// Index (within the input plane) of the first maximum in the window at (oh, ow), scanning rows
// then columns; the gradient goes to that pixel only, as in PyTorch.
template <class T>
int64_t max_pool_argmax(const WindowGeometry& g, const T* x_plane, int64_t oh, int64_t ow) {
  const int64_t ih0 = oh * g.stride_h - g.pad_top, iw0 = ow * g.stride_w - g.pad_left;
  const TapRange rows = taps_inside(ih0, g.kernel_h, g.in_h);
  const TapRange cols = taps_inside(iw0, g.kernel_w, g.in_w);
  int64_t best = (ih0 + rows.begin) * g.in_w + iw0 + cols.begin;
  for (int64_t kh = rows.begin; kh < rows.end; ++kh)
    for (int64_t kw = cols.begin; kw < cols.end; ++kw) {
      const int64_t i = (ih0 + kh) * g.in_w + iw0 + kw;
      if (x_plane[i] > x_plane[best]) best = i;
    }
  return best;
}

template <class T>
void max_pool_forward(const WindowGeometry& g, const T* x, T* y) {
#pragma omp parallel for
  for (int64_t plane = 0; plane < g.n * g.in_c; ++plane) {
    const T* x_plane = x + plane * g.in_h * g.in_w;
    T* y_plane = y + plane * g.out_h * g.out_w;
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow) y_plane[oh * g.out_w + ow] = x_plane[max_pool_argmax(g, x_plane, oh, ow)];
  }
}

// dx is overwritten; the argmax is recomputed from the forward input x.
template <class T>
void max_pool_backward(const WindowGeometry& g, const T* x, const T* dy, T* dx) {
#pragma omp parallel for
  for (int64_t plane = 0; plane < g.n * g.in_c; ++plane) {
    const T* x_plane = x + plane * g.in_h * g.in_w;
    const T* dy_plane = dy + plane * g.out_h * g.out_w;
    T* dx_plane = dx + plane * g.in_h * g.in_w;
    for (int64_t i = 0; i < g.in_h * g.in_w; ++i) dx_plane[i] = T(0);
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow) dx_plane[max_pool_argmax(g, x_plane, oh, ow)] += dy_plane[oh * g.out_w + ow];
  }
}

template <class T>
void avg_pool_forward(const WindowGeometry& g, const T* x, T* y) {
#pragma omp parallel for
  for (int64_t plane = 0; plane < g.n * g.in_c; ++plane) {
    const T* x_plane = x + plane * g.in_h * g.in_w;
    T* y_plane = y + plane * g.out_h * g.out_w;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const int64_t ih0 = oh * g.stride_h - g.pad_top;
      const TapRange rows = taps_inside(ih0, g.kernel_h, g.in_h);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t iw0 = ow * g.stride_w - g.pad_left;
        const TapRange cols = taps_inside(iw0, g.kernel_w, g.in_w);
        T sum = T(0);
        for (int64_t kh = rows.begin; kh < rows.end; ++kh)
          for (int64_t kw = cols.begin; kw < cols.end; ++kw) sum += x_plane[(ih0 + kh) * g.in_w + iw0 + kw];
        const auto count = static_cast<T>((rows.end - rows.begin) * (cols.end - cols.begin));
        y_plane[oh * g.out_w + ow] = sum / count;
      }
    }
  }
}

// dx is overwritten.
template <class T>
void avg_pool_backward(const WindowGeometry& g, const T* dy, T* dx) {
#pragma omp parallel for
  for (int64_t plane = 0; plane < g.n * g.in_c; ++plane) {
    const T* dy_plane = dy + plane * g.out_h * g.out_w;
    T* dx_plane = dx + plane * g.in_h * g.in_w;
    for (int64_t i = 0; i < g.in_h * g.in_w; ++i) dx_plane[i] = T(0);
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const int64_t ih0 = oh * g.stride_h - g.pad_top;
      const TapRange rows = taps_inside(ih0, g.kernel_h, g.in_h);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t iw0 = ow * g.stride_w - g.pad_left;
        const TapRange cols = taps_inside(iw0, g.kernel_w, g.in_w);
        const auto count = static_cast<T>((rows.end - rows.begin) * (cols.end - cols.begin));
        const T share = dy_plane[oh * g.out_w + ow] / count;
        for (int64_t kh = rows.begin; kh < rows.end; ++kh)
          for (int64_t kw = cols.begin; kw < cols.end; ++kw) dx_plane[(ih0 + kh) * g.in_w + iw0 + kw] += share;
      }
    }
  }
}

}  // namespace expt::reference
