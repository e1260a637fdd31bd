// spatial_dropout: dropout that keeps or drops whole channels (PyTorch's Dropout2d), for the
// feature maps of conv layers, whose neighbouring pixels are too alike for element dropout to
// regularise much.
#include <fmt/format.h>

#include "layers/kinds/elementwise.hpp"
#include "layers/kinds/kinds.hpp"

namespace expt {

namespace {

// A 1x1 input (a dense layer's units, a flatten's or global_avg_pool's vector) has no planes to
// drop: there a channel is one element, and `dropout` is the layer that says so.
void plan_spatial_dropout(LayerPlanner& p) {
  const Shape& in = p.in();
  if (p.product({in.h, in.w}) <= 1)
    p.fail(fmt::format("needs a C x H x W input with more than one pixel per channel (the output of a conv2d or "
                       "pooling layer), but its input is {}; use `dropout` on vectors",
                       in.str()));
  plan_elementwise(p);
}

}  // namespace

const LayerDescriptor& spatial_dropout_layer() {
  static const LayerDescriptor d{
      .kind = LayerKind::spatial_dropout,
      .type = "spatial_dropout",
      .summary = "During training, zeroes each whole channel of each sample with probability `rate` and scales the "
                 "kept channels by 1 / (1 - rate) (PyTorch's Dropout2d); the identity at evaluation, and everywhere "
                 "when `training.dropout` is false. Its input must be C x H x W with more than one pixel, so it "
                 "follows a conv2d or pooling layer. Its masks come from the same Philox stream as `dropout`'s, one "
                 "draw per sample and channel, so every backend drops the same channels.",
      .defaults = LayerSpec{},
      .keys = {required(number_key("rate", &LayerSpec::rate, fraction(), "fraction", "fraction of channels dropped"))},
      .plan = plan_spatial_dropout,
      .graph_op = [](const LayerSpec& s) {
        return GraphOp{"SpatialDropout2D", "Dropout", {{"rate", static_cast<float>(s.rate)}}};
      },
  };
  return d;
}

}  // namespace expt
