// conv2d: 2-D convolution with a fused bias and activation.
#include "layers/kinds/kinds.hpp"
#include "layers/kinds/weighted.hpp"
#include "layers/kinds/window.hpp"

namespace expt {

namespace {

void plan_conv2d(LayerPlanner& p) {
  const LayerSpec& s = p.spec();
  const WindowOutput out = plan_window(p);
  if (s.filters <= 0) p.fail("filters must be positive");
  PlannedLayer& l = p.layer();
  l.out = Shape{s.filters, out.h, out.w};
  const int64_t k = p.product({s.kernel_h, s.kernel_w});
  const int64_t fan_in = p.product({l.in.c, k});
  p.add_weight_and_bias({s.filters, l.in.c, s.kernel_h, s.kernel_w}, fan_in, p.product({s.filters, k}));
  l.forward_flops = 2.0 * static_cast<double>(p.size(l.out)) * static_cast<double>(fan_in);
}

GraphOp conv2d_op(const LayerSpec& s) { return {"Conv2D", "Conv2D", window_graph_attrs(s)}; }

}  // namespace

const LayerDescriptor& conv2d_layer() {
  static const LayerDescriptor d{
      .kind = LayerKind::conv2d,
      .type = "conv2d",
      .summary = "2-D convolution over NCHW images (cross-correlation, as in every framework).",
      .defaults = LayerSpec{},
      .keys = {required(integer_key("filters", &LayerSpec::filters, at_least(1), "channels", "output channels")),
               required(size2_key("kernel", kernel_field, at_least(1), "pixels", "kernel size")),
               stride_key("step between kernel positions"),
               padding_key("`same` (TensorFlow's rule: output = ceil(input / stride), odd padding at bottom/right) "
                           "or `valid` (no padding)"),
               activation_key(), activation_alpha_key(), use_bias_key(), weights_init_key()},
      .plan = plan_conv2d,
      .graph_op = conv2d_op,
  };
  return d;
}

}  // namespace expt
