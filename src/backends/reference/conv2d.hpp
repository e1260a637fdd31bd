#pragma once
// conv2d forward and backward as plain loops (cross-correlation, like PyTorch and TensorFlow).
// Layouts: x [n, in_c, in_h, in_w], weight [out_c, in_c, kernel_h, kernel_w], y [n, out_c, out_h, out_w].
// Templated on the scalar so tests can run them in double. Each parallel iteration writes its
// own slice of the output and sums in a fixed order, so results do not depend on thread count.
#include <algorithm>

#include "backends/reference/window_geometry.hpp"

namespace expt::reference {

// bias may be null (use_bias: false).
template <class T>
void conv2d_forward(const WindowGeometry& g, const T* x, const T* weight, const T* bias, T* y) {
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t oc = 0; oc < g.out_c; ++oc) {
      const T* x_sample = x + n * g.in_size();
      const T* w_filter = weight + oc * g.in_c * g.kernel_h * g.kernel_w;
      T* y_plane = y + (n * g.out_c + oc) * g.out_h * g.out_w;
      for_each_window(g, [&](int64_t out, const Window& win) {
        T sum = bias ? bias[oc] : T(0);
        for (int64_t ic = 0; ic < g.in_c; ++ic) {
          const T* x_plane = x_sample + ic * g.in_h * g.in_w;
          const T* w_plane = w_filter + ic * g.kernel_h * g.kernel_w;
          for (int64_t kh = win.rows.begin; kh < win.rows.end; ++kh)
            for (int64_t kw = win.cols.begin; kw < win.cols.end; ++kw)
              sum += x_plane[win.pixel(kh, kw)] * w_plane[kh * g.kernel_w + kw];
        }
        y_plane[out] = sum;
      });
    }
  }
}

// dx = d(loss)/dx, overwritten. Each (sample, input channel) plane is accumulated by one thread.
template <class T>
void conv2d_backward_data(const WindowGeometry& g, const T* dy, const T* weight, T* dx) {
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t ic = 0; ic < g.in_c; ++ic) {
      T* dx_plane = dx + (n * g.in_c + ic) * g.in_h * g.in_w;
      std::fill_n(dx_plane, g.in_h * g.in_w, T(0));
      for (int64_t oc = 0; oc < g.out_c; ++oc) {
        const T* dy_plane = dy + (n * g.out_c + oc) * g.out_h * g.out_w;
        const T* w_plane = weight + (oc * g.in_c + ic) * g.kernel_h * g.kernel_w;
        for_each_window(g, [&](int64_t out, const Window& win) {
          for (int64_t kh = win.rows.begin; kh < win.rows.end; ++kh)
            for (int64_t kw = win.cols.begin; kw < win.cols.end; ++kw)
              dx_plane[win.pixel(kh, kw)] += dy_plane[out] * w_plane[kh * g.kernel_w + kw];
        });
      }
    }
  }
}

// dweight and dbias (null without bias) are overwritten with sums over the batch.
template <class T>
void conv2d_backward_weights(const WindowGeometry& g, const T* x, const T* dy, T* dweight, T* dbias) {
#pragma omp parallel for collapse(2)
  for (int64_t oc = 0; oc < g.out_c; ++oc) {
    for (int64_t ic = 0; ic < g.in_c; ++ic) {
      T* dw_plane = dweight + (oc * g.in_c + ic) * g.kernel_h * g.kernel_w;
      std::fill_n(dw_plane, g.kernel_h * g.kernel_w, T(0));
      for (int64_t n = 0; n < g.n; ++n) {
        const T* x_plane = x + (n * g.in_c + ic) * g.in_h * g.in_w;
        const T* dy_plane = dy + (n * g.out_c + oc) * g.out_h * g.out_w;
        for_each_window(g, [&](int64_t out, const Window& win) {
          for (int64_t kh = win.rows.begin; kh < win.rows.end; ++kh)
            for (int64_t kw = win.cols.begin; kw < win.cols.end; ++kw)
              dw_plane[kh * g.kernel_w + kw] += dy_plane[out] * x_plane[win.pixel(kh, kw)];
        });
      }
    }
  }
  if (!dbias) return;
#pragma omp parallel for
  for (int64_t oc = 0; oc < g.out_c; ++oc) {
    T sum = T(0);
    for (int64_t n = 0; n < g.n; ++n) {
      const T* dy_plane = dy + (n * g.out_c + oc) * g.out_h * g.out_w;
      for (int64_t i = 0; i < g.out_h * g.out_w; ++i) sum += dy_plane[i];
    }
    dbias[oc] = sum;
  }
}

}  // namespace expt::reference
