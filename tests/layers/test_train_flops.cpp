// What a training step computes, counted from the plan: the forward pass, the weight gradients
// of trained layers, and data gradients only above the lowest trained layer.
#include <doctest/doctest.h>

#include "layer_specs.hpp"
#include "layers/network_plan.hpp"

using namespace expt;
using expt::testing::layer_spec;

namespace {

LayerSpec conv(const char* name, bool trainable) {
  LayerSpec s = layer_spec(LayerKind::conv2d, name, trainable);
  s.filters = 4;
  s.kernel_h = s.kernel_w = 3;
  return s;
}
LayerSpec dense(const char* name, int64_t units, bool trainable) {
  LayerSpec s = layer_spec(LayerKind::dense, name, trainable);
  s.units = units;
  return s;
}

// conv1 -> relu -> conv2 -> flatten -> fc -> logits, with the two convolutions' `trainable`.
NetworkPlan plan_with(bool conv1_trains, bool conv2_trains) {
  return plan_network({conv("conv1", conv1_trains), layer_spec(LayerKind::relu, "relu"), conv("conv2", conv2_trains),
                       layer_spec(LayerKind::flatten, "flatten"), dense("fc", 8, true), dense("logits", 3, true)},
                      Shape{2, 6, 6}, 3);
}

double flops_of(const NetworkPlan& plan, const char* name) {
  for (const PlannedLayer& l : plan.layers)
    if (l.spec.name == name) return l.forward_flops;
  FAIL("no layer " << name);
  return 0;
}

}  // namespace

TEST_CASE("train_flops: all trained, every layer but the first passes a data gradient") {
  const NetworkPlan plan = plan_with(true, true);
  const double forward = plan.forward_flops();
  REQUIRE(flops_of(plan, "conv1") > 0);
  const double relu = flops_of(plan, "relu");
  REQUIRE(relu > 0);
  // Weight gradients: one forward of each layer with parameters (all but relu's); data
  // gradients: one forward of each layer but the first.
  CHECK(plan.train_flops() == doctest::Approx(forward + (forward - relu) + (forward - flops_of(plan, "conv1"))));
}

TEST_CASE("train_flops: a frozen trunk costs its forward alone") {
  const NetworkPlan plan = plan_with(false, false);
  REQUIRE(plan.first_trained_layer() == 4);  // fc
  const double fc = flops_of(plan, "fc"), logits = flops_of(plan, "logits");
  CHECK(plan.train_flops() == doctest::Approx(plan.forward_flops() + fc + 2 * logits));
}

TEST_CASE("train_flops: a frozen layer above a trained one passes data gradients but computes no weight gradient") {
  const NetworkPlan plan = plan_with(true, false);
  const double forward = plan.forward_flops();
  const double weight_gradients = forward - flops_of(plan, "conv2") - flops_of(plan, "relu");
  CHECK(plan.train_flops() == doctest::Approx(forward + weight_gradients + (forward - flops_of(plan, "conv1"))));
}
