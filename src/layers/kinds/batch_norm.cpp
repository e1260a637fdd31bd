// batch_norm: normalises each channel (after a conv) or unit (after a dense layer) over the
// batch, then scales and shifts it; PyTorch's BatchNorm2d and BatchNorm1d.
#include "layers/kinds/kinds.hpp"
#include "layers/layer_planner.hpp"

namespace expt {

namespace {

// Tensors in PyTorch's state_dict order and names, so checkpoints load into torch.nn.BatchNorm.
void plan_batch_norm(LayerPlanner& p) {
  PlannedLayer& l = p.layer();
  l.out = l.in;
  const int64_t c = l.in.c;
  p.add_constant("weight", {c}, 1.0, true);
  p.add_constant("bias", {c}, 0.0, true);
  p.add_constant("running_mean", {c}, 0.0, false);
  p.add_constant("running_var", {c}, 1.0, false);
  p.add_constant("num_batches_tracked", {}, 0.0, false);
  // y = x * (scale / sqrt(var + eps)) + (shift - mean * that): one multiply-add per element.
  l.forward_flops = 2.0 * static_cast<double>(p.size(l.in));
}

}  // namespace

const LayerDescriptor& batch_norm_layer() {
  static const LayerDescriptor d{
      .kind = LayerKind::batch_norm,
      .type = "batch_norm",
      .summary =
          "Normalises each channel of a C x H x W input over the batch and the image (after a conv), or each "
          "unit of a C input over the batch (after a dense layer), then applies a learned scale (`<name>.weight`, "
          "starting at 1) and shift (`<name>.bias`, starting at 0). Training normalises with the batch's mean "
          "and biased variance and updates the running mean and unbiased variance; evaluation uses the running "
          "statistics. The running statistics and the batch counter are saved in checkpoints under PyTorch's "
          "names (`running_mean`, `running_var`, `num_batches_tracked`).",
      .defaults = LayerSpec{},
      .keys = {number_key("momentum", &LayerSpec::momentum, unit_interval(), "",
                          "weight of the batch statistic in the running statistics (PyTorch's convention)"),
               number_key("epsilon", &LayerSpec::epsilon, above(0), "", "added to the variance before its square root")},
      .plan = plan_batch_norm,
      .graph_op = [](const LayerSpec& s) {
        return GraphOp{"FusedBatchNormV3", "FusedBatchNormV3", {{"epsilon", static_cast<float>(s.epsilon)}}};
      },
  };
  return d;
}

}  // namespace expt
