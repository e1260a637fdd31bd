// Frozen layers (`trainable: false`) against the reference, in fp32 and fp32_strict, and what
// freezing saves: no gradient or optimizer state buffers for the frozen tensors.
#include "parity.hpp"

namespace expt::onednn_test {

namespace {

NetworkOptions momentum_options(Precision precision) {
  NetworkOptions options;
  options.optimizer.kind = OptimizerConfig::Kind::momentum;
  options.max_batch = 4;
  options.seed = 23;
  options.precision = precision;
  return options;
}

std::vector<LayerSpec> all_trainable(std::vector<LayerSpec> layers) {
  for (LayerSpec& l : layers) l.trainable = true;
  return layers;
}

}  // namespace

TEST_CASE("frozen parity: frozen conv, batch norm and dense between trained layers") {
  for (const Precision precision : {Precision::fp32, Precision::fp32_strict}) {
    CAPTURE(precision);
    Pair p = build_pair(frozen_middle(), Shape{3, 8, 8}, 5, momentum_options(precision));
    check_frozen(p, random_batch(p.plan, 4, 41), 4, 3, Tolerance{kRel, kAbs});
  }
}

TEST_CASE("frozen parity: a frozen trunk under a trained head") {
  for (const Precision precision : {Precision::fp32, Precision::fp32_strict}) {
    CAPTURE(precision);
    Pair p = build_pair(frozen_trunk(), Shape{3, 8, 8}, 5, momentum_options(precision));
    check_frozen(p, random_batch(p.plan, 4, 43), 4, 3, Tolerance{kRel, kAbs});
  }
}

TEST_CASE("frozen layers hold no gradient or optimizer state") {
  for (const auto& layers : {frozen_middle(), frozen_trunk()}) {
    const NetworkPlan frozen_plan = plan_network(layers, Shape{3, 8, 8}, 5);
    const NetworkPlan trained_plan = plan_network(all_trainable(layers), Shape{3, 8, 8}, 5);
    int64_t frozen_floats = 0;
    for (const PlannedLayer& l : frozen_plan.layers)
      if (!l.spec.trainable)
        for (const int i : l.params)
          if (trained_plan.params[static_cast<size_t>(i)].trainable) frozen_floats += frozen_plan.params[static_cast<size_t>(i)].size();
    REQUIRE(frozen_floats > 0);
    const auto frozen_net = make_onednn_backend()->build(frozen_plan, momentum_options(Precision::fp32));
    const auto trained_net = make_onednn_backend()->build(trained_plan, momentum_options(Precision::fp32));
    // Momentum keeps one state slot: a gradient and a velocity per frozen float are not there
    // (blocked layouts' padding only adds to that), less the [2, C] floats a frozen batch norm
    // writes its unused scale and shift gradients into.
    int64_t unused_gradients = 0;
    for (const PlannedLayer& l : frozen_plan.layers)
      if (!l.spec.trainable && l.spec.kind == LayerKind::batch_norm) unused_gradients += 2 * l.in.c;
    const int64_t saved = trained_net->memory_bytes() - frozen_net->memory_bytes();
    CHECK(saved >= (2 * frozen_floats - unused_gradients) * static_cast<int64_t>(sizeof(float)));
  }
}

}  // namespace expt::onednn_test
