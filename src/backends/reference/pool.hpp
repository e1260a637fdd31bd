#pragma once
// max_pool and avg_pool forward and backward as plain loops over [n, c, h, w] planes.
// Windows are clipped to the real input: `same` padding never contributes a value, so a max
// ignores it and an average divides by the number of real pixels (TensorFlow's `same`,
// PyTorch's count_include_pad=False). Each parallel iteration owns one (sample, channel) plane.
#include <algorithm>

#include "backends/reference/window_geometry.hpp"

namespace expt::reference {

// Calls visit(plane) for every (sample, channel) plane, one plane per parallel iteration.
template <class Visit>
void for_each_plane(const WindowGeometry& g, Visit&& visit) {
#pragma omp parallel for
  for (int64_t plane = 0; plane < g.n * g.in_c; ++plane) visit(plane);
}

// Index (within the input plane) of the first maximum in the window, scanning rows then
// columns; the gradient goes to that pixel only, as in PyTorch.
template <class T>
int64_t max_pool_argmax(const Window& win, const T* x_plane) {
  int64_t best = win.pixel(win.rows.begin, win.cols.begin);
  for (int64_t kh = win.rows.begin; kh < win.rows.end; ++kh)
    for (int64_t kw = win.cols.begin; kw < win.cols.end; ++kw)
      if (x_plane[win.pixel(kh, kw)] > x_plane[best]) best = win.pixel(kh, kw);
  return best;
}

template <class T>
void max_pool_forward(const WindowGeometry& g, const T* x, T* y) {
  for_each_plane(g, [&](int64_t plane) {
    const T* x_plane = x + plane * g.in_h * g.in_w;
    T* y_plane = y + plane * g.out_h * g.out_w;
    for_each_window(g, [&](int64_t out, const Window& win) { y_plane[out] = x_plane[max_pool_argmax(win, x_plane)]; });
  });
}

// dx is overwritten; the argmax is recomputed from the forward input x.
template <class T>
void max_pool_backward(const WindowGeometry& g, const T* x, const T* dy, T* dx) {
  for_each_plane(g, [&](int64_t plane) {
    const T* x_plane = x + plane * g.in_h * g.in_w;
    const T* dy_plane = dy + plane * g.out_h * g.out_w;
    T* dx_plane = dx + plane * g.in_h * g.in_w;
    std::fill_n(dx_plane, g.in_h * g.in_w, T(0));
    for_each_window(g, [&](int64_t out, const Window& win) { dx_plane[max_pool_argmax(win, x_plane)] += dy_plane[out]; });
  });
}

template <class T>
void avg_pool_forward(const WindowGeometry& g, const T* x, T* y) {
  for_each_plane(g, [&](int64_t plane) {
    const T* x_plane = x + plane * g.in_h * g.in_w;
    T* y_plane = y + plane * g.out_h * g.out_w;
    for_each_window(g, [&](int64_t out, const Window& win) {
      T sum = T(0);
      for (int64_t kh = win.rows.begin; kh < win.rows.end; ++kh)
        for (int64_t kw = win.cols.begin; kw < win.cols.end; ++kw) sum += x_plane[win.pixel(kh, kw)];
      y_plane[out] = sum / static_cast<T>(win.real_pixels());
    });
  });
}

// dx is overwritten.
template <class T>
void avg_pool_backward(const WindowGeometry& g, const T* dy, T* dx) {
  for_each_plane(g, [&](int64_t plane) {
    const T* dy_plane = dy + plane * g.out_h * g.out_w;
    T* dx_plane = dx + plane * g.in_h * g.in_w;
    std::fill_n(dx_plane, g.in_h * g.in_w, T(0));
    for_each_window(g, [&](int64_t out, const Window& win) {
      const T share = dy_plane[out] / static_cast<T>(win.real_pixels());
      for (int64_t kh = win.rows.begin; kh < win.rows.end; ++kh)
        for (int64_t kw = win.cols.begin; kw < win.cols.end; ++kw) dx_plane[win.pixel(kh, kw)] += share;
    });
  });
}

}  // namespace expt::reference
