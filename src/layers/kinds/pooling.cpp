// max_pool, avg_pool and global_avg_pool: the maximum or the mean over each window, per channel.
#include <fmt/format.h>

#include "layers/kinds/kinds.hpp"
#include "layers/kinds/window.hpp"

namespace expt {

namespace {

void plan_pool(LayerPlanner& p) {
  const LayerSpec& s = p.spec();
  const WindowOutput out = plan_window(p);
  PlannedLayer& l = p.layer();
  l.out = Shape{l.in.c, out.h, out.w};
  l.forward_flops = static_cast<double>(p.product({p.size(l.out), s.kernel_h, s.kernel_w}));
}

std::vector<GraphAttr> pool_attrs(const LayerSpec& s) {
  std::vector<GraphAttr> attrs{{"ksize", std::vector<int64_t>{1, 1, s.kernel_h, s.kernel_w}}};
  for (auto& a : window_graph_attrs(s)) attrs.push_back(std::move(a));
  return attrs;
}

// A 2x2 window stepping by its size, like every framework's default.
LayerSpec pool_defaults() {
  LayerSpec d;
  d.kernel_h = d.kernel_w = 2;
  d.stride_h = d.stride_w = 2;
  d.padding = Padding::valid;
  return d;
}

// `what` the window reduces to: "maximum", "mean"; `op` the TensorFlow op that does it.
LayerDescriptor pool_layer(LayerKind kind, std::string type, std::string summary, std::string_view what,
                           GraphOp (*op)(const LayerSpec&)) {
  return {
      .kind = kind,
      .type = std::move(type),
      .summary = std::move(summary),
      .defaults = pool_defaults(),
      .keys = {size2_key("size", kernel_field, at_least(1), "pixels",
                         fmt::format("window over which the {} is taken", what)),
               defaults_to(stride_key("step between windows"), "size"),
               padding_key("`valid`: windows stay inside the input; `same`: output = ceil(input / stride)")},
      .plan = plan_pool,
      .graph_op = op,
  };
}

// The planned spec is an avg_pool whose one window covers the whole input, so every backend runs
// global_avg_pool with its avg_pool kernel; the config has no window keys to set.
void plan_global_avg_pool(LayerPlanner& p) {
  PlannedLayer& l = p.layer();
  l.spec.kernel_h = l.in.h;
  l.spec.kernel_w = l.in.w;
  l.spec.stride_h = l.spec.stride_w = 1;
  l.spec.padding = Padding::valid;
  l.out = Shape{l.in.c, 1, 1};
  l.forward_flops = static_cast<double>(p.size(l.in));
}

}  // namespace

const LayerDescriptor& max_pool_layer() {
  static const LayerDescriptor d =
      pool_layer(LayerKind::max_pool, "max_pool", "Maximum over each window, per channel.", "maximum",
                 [](const LayerSpec& s) { return GraphOp{"MaxPool", "MaxPool", pool_attrs(s)}; });
  return d;
}

const LayerDescriptor& avg_pool_layer() {
  static const LayerDescriptor d =
      pool_layer(LayerKind::avg_pool, "avg_pool", "Mean over each window, per channel; padded pixels are not counted.",
                 "mean", [](const LayerSpec& s) { return GraphOp{"AvgPool", "AvgPool", pool_attrs(s)}; });
  return d;
}

const LayerDescriptor& global_avg_pool_layer() {
  static const LayerDescriptor d{
      .kind = LayerKind::global_avg_pool,
      .type = "global_avg_pool",
      .summary = "Mean over all pixels, per channel: CxHxW to C (PyTorch's AdaptiveAvgPool2d(1) and flatten). "
                 "No keys besides `type` and `name`.",
      .defaults = LayerSpec{},
      .keys = {},
      .plan = plan_global_avg_pool,
      .graph_op = [](const LayerSpec&) {
        return GraphOp{"Mean", "Mean", {{"reduction_indices", std::vector<int64_t>{2, 3}}}};
      },
  };
  return d;
}

}  // namespace expt
