// The roofline floor and the memory budget `expt bench` judges a step by, from the plan alone.
#include <doctest/doctest.h>

#include "bench/step_floor.hpp"
#include "layer_specs.hpp"

using namespace expt;
using expt::testing::layer_spec;

namespace {

// conv -> batch_norm -> flatten -> fc (6 units) -> logits (3): conv and batch norm frozen or not.
NetworkPlan plan_with(bool trunk_trains) {
  LayerSpec conv = layer_spec(LayerKind::conv2d, "conv", trunk_trains);
  conv.filters = 4;
  conv.kernel_h = conv.kernel_w = 3;
  LayerSpec fc = layer_spec(LayerKind::dense, "fc");
  fc.units = 6;
  LayerSpec logits = layer_spec(LayerKind::dense, "logits");
  logits.units = 3;
  return plan_network({conv, layer_spec(LayerKind::batch_norm, "bn", trunk_trains),
                       layer_spec(LayerKind::flatten, "flatten"), fc, logits},
                      Shape{2, 5, 5}, 3);
}

}  // namespace

TEST_CASE("memory budget: every tensor is held, only trained ones have a gradient and optimizer state") {
  for (const bool trunk_trains : {true, false}) {
    CAPTURE(trunk_trains);
    const NetworkPlan plan = plan_with(trunk_trains);
    const MemoryBudget m = memory_budget(plan, 8, 2);
    // Held: conv 4x2x3x3 + 4, batch norm 4 + 4 + 4 + 4 + 1 (scale, shift, running mean and
    // variance, counter), fc 6x100 + 6, logits 3x6 + 3.
    const int64_t held = 76 + 17 + 606 + 21;
    CHECK(plan.stored_count() == held);
    CHECK(m.parameters == 4 * held);
    const int64_t trained = trunk_trains ? 76 + 8 + 606 + 21 : 606 + 21;
    CHECK(m.gradients == 4 * trained);
    CHECK(m.optimizer_state == 2 * 4 * trained);
  }
}

TEST_CASE("step floor: the optimizer's traffic over trained tensors, dense weights read once more above the lowest trained layer") {
  const auto floor_bytes = [](bool trunk_trains) { return step_floor(plan_with(trunk_trains), 8, 2, 100.0, 10.0).bytes; };
  // Adam: 8 accesses per trained float. fc's weights are read by forward, and by backward-data
  // only when a layer below it trains; logits' weights always twice.
  CHECK(floor_bytes(true) == doctest::Approx(4.0 * (8 * (76 + 8 + 606 + 21) + 2 * 600 + 2 * 18)));
  CHECK(floor_bytes(false) == doctest::Approx(4.0 * (8 * (606 + 21) + 600 + 2 * 18)));
}

TEST_CASE("batch norm traffic: 8 activation passes a layer in training, 3 below the lowest trained layer") {
  // bn's input: the conv's 4 channels of 5x5 (`same` padding), batch 8.
  const double activation = 4.0 * 5 * 5 * 8;
  CHECK(batch_norm_traffic_bytes(plan_with(true), 8, 4) == doctest::Approx(8 * 4 * activation));
  CHECK(batch_norm_traffic_bytes(plan_with(false), 8, 4) == doctest::Approx(3 * 4 * activation));
  CHECK(batch_norm_traffic_bytes(plan_with(true), 8, 2) == doctest::Approx(8 * 2 * activation));
}
