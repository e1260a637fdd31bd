#include "layers/kinds/window.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "layers/layer_names.hpp"

namespace expt {

namespace {

// TensorFlow's rule: out = ceil(in / stride) for same, ceil((in - k + 1) / stride) for valid;
// total padding = max((out - 1) * stride + k - in, 0), the smaller half at the top/left.
// Written so that no step overflows for any positive in, k and s: (out - 1) * s < in.
void spatial(int64_t in, int64_t k, int64_t s, Padding p, int64_t& out, int64_t& pad_lo, int64_t& pad_hi) {
  if (p == Padding::same) {
    out = in / s + (in % s != 0);
    const int64_t total = std::max<int64_t>((out - 1) * s - in + k, 0);
    pad_lo = total / 2;
    pad_hi = total - pad_lo;
  } else {
    out = in >= k ? (in - k) / s + 1 : 0;
    pad_lo = pad_hi = 0;
  }
}

std::vector<int64_t> nchw(int64_t h, int64_t w) { return {1, 1, h, w}; }

}  // namespace

LayerKey stride_key(std::string doc) {
  return size2_key("stride", {&LayerSpec::stride_h, &LayerSpec::stride_w}, at_least(1), "pixels", std::move(doc));
}

LayerKey padding_key(std::string doc) {
  return choice_key("padding", EnumField<Padding>{&LayerSpec::padding, padding_names}, std::move(doc));
}

WindowOutput plan_window(LayerPlanner& p) {
  const LayerSpec& s = p.spec();
  if (s.kernel_h <= 0 || s.kernel_w <= 0 || s.stride_h <= 0 || s.stride_w <= 0)
    p.fail("kernel and stride must be positive");
  PlannedLayer& l = p.layer();
  WindowOutput out;
  spatial(l.in.h, s.kernel_h, s.stride_h, s.padding, out.h, l.pad_top, l.pad_bottom);
  spatial(l.in.w, s.kernel_w, s.stride_w, s.padding, out.w, l.pad_left, l.pad_right);
  if (out.h <= 0 || out.w <= 0)
    p.fail(fmt::format("a {}x{} window with {} padding does not fit the {} input", s.kernel_h, s.kernel_w,
                       to_string(s.padding), l.in.str()));
  return out;
}

std::vector<GraphAttr> window_graph_attrs(const LayerSpec& s) {
  return {{"strides", nchw(s.stride_h, s.stride_w)},
          {"padding", std::string(s.padding == Padding::same ? "SAME" : "VALID")},
          {"data_format", std::string("NCHW")}};
}

}  // namespace expt
