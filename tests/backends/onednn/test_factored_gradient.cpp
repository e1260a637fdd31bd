// A wide dense layer whose weight gradient onednn keeps as factors at small batches
// (factored_weight_gradient.hpp): training against the reference with every optimizer and in
// bf16, the gradient still readable after an evaluation forward has overwritten the layer's
// input, no gradient buffer held; in bf16 the weight copy the optimizer writes
// (bf16_weight_copy.hpp), at batches with and without factors; and Adam's step left to the
// layer's next forward (deferred_adam.hpp), against the same step taken at once.
#include "backends/onednn/introspection.hpp"
#include "cpu_requirements.hpp"
#include "parity.hpp"

namespace expt::onednn_test {

namespace {

// dense1's 1024 inputs (16 channels x 8 x 8) and 128 outputs fill whole weight blocks; dense3's
// 5 outputs do not.
std::vector<LayerSpec> wide_dense() {
  return named({conv(16, 3, 1, Padding::same, Activation::relu), dense(128, Activation::relu),
                simple(LayerKind::dropout, 0.5), dense(5)});
}

const Shape kInput{3, 8, 8};

NetworkOptions options_for(OptimizerConfig::Kind kind) {
  NetworkOptions options;
  options.optimizer.kind = kind;
  options.optimizer.weight_decay = 0.01;
  options.max_batch = 4;
  options.seed = 7;
  return options;
}

bool factored(const Network& net, const std::string& layer) {
  for (const onednn::PrimitiveInfo& p : onednn::primitive_implementations(net))
    if (p.layer == layer && p.primitive == "inner product backward weights")
      return p.implementation.find("in the optimizer") != std::string::npos;
  return false;
}

void train_and_compare(OptimizerConfig::Kind kind, double learning_rate) {
  CAPTURE(to_string(kind));
  Pair p = build_pair(wide_dense(), kInput, 5, options_for(kind));
  REQUIRE(factored(*p.tested, "dense1"));
  CHECK_FALSE(factored(*p.tested, "dense3"));
  // Three steps at the largest batch, then one at a smaller one (its own pass).
  for (uint64_t step = 0; step < 4; ++step) {
    CAPTURE(step);
    const int64_t n = step < 3 ? 4 : 3;
    const Batch batch = random_batch(p.plan, n, 200 + step);
    const BatchMetrics want = p.reference->forward(batch.host(n), Phase::train, step);
    const BatchMetrics got = p.tested->forward(batch.host(n), Phase::train, step);
    CHECK(got.loss_sum == doctest::Approx(want.loss_sum).epsilon(kRel));
    p.reference->backward();
    p.tested->backward();
    p.reference->update(learning_rate, step + 1);
    p.tested->update(learning_rate, step + 1);
  }
  // As the trainer logs: an evaluation batch, then the gradients of the last training step.
  const Batch probe = random_batch(p.plan, 4, 300);
  p.reference->forward(probe.host(4), Phase::eval, 4);
  p.tested->forward(probe.host(4), Phase::eval, 4);
  const int slots = optimizer_state_slots(kind);
  for (size_t i = 0; i < p.plan.params.size(); ++i) {
    const std::string& name = p.plan.params[i].name;
    check_close(read_grad(*p.tested, i), read_grad(*p.reference, i), "last gradient of " + name);
    check_close(read_param(*p.tested, i), read_param(*p.reference, i), "parameter " + name);
    if (slots >= 1)
      check_close(read_state(*p.tested, i, 0), read_state(*p.reference, i, 0), "optimizer state 0 of " + name);
    if (slots >= 2)
      check_close(read_state(*p.tested, i, 1), read_state(*p.reference, i, 1), "optimizer state 1 of " + name,
                  2 * kRel, 1e-9);
  }
}

bool forward_takes_adam_step(const Network& net, const std::string& layer) {
  for (const onednn::PrimitiveInfo& p : onednn::primitive_implementations(net))
    if (p.layer == layer && p.primitive == "inner product forward")
      return p.implementation.find("with Adam's step") != std::string::npos;
  return false;
}

// Two networks from the same start: one reads dense1's weights after each update, which settles
// the step there, so its forwards read weights already updated; the other's forwards take the
// step as they read them. Losses, activations, parameters and moments agree to the bit.
void deferred_against_at_once(OptimizerConfig::Kind kind) {
  CAPTURE(to_string(kind));
  const NetworkPlan plan = plan_network(wide_dense(), kInput, 5);
  const auto deferred = make_onednn_backend()->build(plan, options_for(kind));
  const auto at_once = make_onednn_backend()->build(plan, options_for(kind));
  REQUIRE(forward_takes_adam_step(*deferred, "dense1"));
  CHECK_FALSE(forward_takes_adam_step(*deferred, "dense3"));  // its gradient is not factored
  const size_t weights = static_cast<size_t>(plan.layers[1].params[0]);
  for (uint64_t step = 0; step < 4; ++step) {
    CAPTURE(step);
    const int64_t n = step < 3 ? 4 : 3;  // the last at a smaller batch: its own pass
    const Batch batch = random_batch(plan, n, 500 + step);
    const BatchMetrics got = deferred->forward(batch.host(n), Phase::train, step);
    const BatchMetrics want = at_once->forward(batch.host(n), Phase::train, step);
    CHECK(got.loss_sum == want.loss_sum);
    CHECK(read_activation(*deferred, 1, n) == read_activation(*at_once, 1, n));
    deferred->backward();
    at_once->backward();
    deferred->update(1e-3, step + 1);
    at_once->update(1e-3, step + 1);
    read_param(*at_once, weights);
  }
  // A second update before any forward: the first step is settled, the second left pending.
  deferred->update(1e-3, 5);
  at_once->update(1e-3, 5);
  const Batch probe = random_batch(plan, 4, 600);
  deferred->forward(probe.host(4), Phase::eval, 5);
  at_once->forward(probe.host(4), Phase::eval, 5);
  CHECK(read_activation(*deferred, 1, 4) == read_activation(*at_once, 1, 4));
  deferred->update(1e-3, 6);  // left pending: the reads below settle it
  at_once->update(1e-3, 6);
  for (size_t i = 0; i < plan.params.size(); ++i) {
    CAPTURE(plan.params[i].name);
    CHECK(read_param(*deferred, i) == read_param(*at_once, i));
    CHECK(read_state(*deferred, i, 0) == read_state(*at_once, i, 0));
    CHECK(read_state(*deferred, i, 1) == read_state(*at_once, i, 1));
  }
}

void check_path_available() {
  if (const std::string why = kernel_path_missing(VectorIsa::avx2); !why.empty()) {
    const std::string message = why + " (the gradient is factored in expt's kernel layouts only)";
    MESSAGE(message);
    return;
  }
  SUBCASE("sgd") { train_and_compare(OptimizerConfig::Kind::sgd, 0.05); }
  SUBCASE("momentum") { train_and_compare(OptimizerConfig::Kind::momentum, 0.02); }
  SUBCASE("adam") { train_and_compare(OptimizerConfig::Kind::adam, 1e-3); }
  SUBCASE("adamw") { train_and_compare(OptimizerConfig::Kind::adamw, 1e-3); }
}

// One bf16 step against the reference, then the forward's weight copy against oneDNN's.
void check_bf16(int64_t max_batch) {
  CAPTURE(max_batch);
  NetworkOptions options = options_for(OptimizerConfig::Kind::adam);
  options.precision = Precision::bf16;
  options.max_batch = max_batch;
  Pair p = build_pair(wide_dense(), kInput, 5, options);
  CHECK(factored(*p.tested, "dense1") == (max_batch <= 16));
  const Batch batch = random_batch(p.plan, 4, 400);
  p.reference->forward(batch.host(4), Phase::train, 0);
  p.tested->forward(batch.host(4), Phase::train, 0);
  p.reference->backward();
  p.tested->backward();
  const Batch probe = random_batch(p.plan, 4, 401);
  p.tested->forward(probe.host(4), Phase::eval, 1);
  // bf16 activations and weight copies: test_bf16.cpp's whole-tensor tolerance.
  const size_t weights = static_cast<size_t>(p.plan.layers[1].params[0]);
  CHECK(relative_l2_distance(read_grad(*p.tested, weights), read_grad(*p.reference, weights)) < 3e-2);
  p.reference->update(1e-3, 1);
  p.tested->update(1e-3, 1);
  CHECK(relative_l2_distance(read_state(*p.tested, weights, 0), read_state(*p.reference, weights, 0)) < 3e-2);

  // The optimizer wrote the forward's bf16 copy of dense1's weights: a network given the same
  // parameters, whose forward makes the copy with oneDNN's reorder, computes the same bits.
  bool copy_by_optimizer = false;
  for (const onednn::PrimitiveInfo& info : onednn::primitive_implementations(*p.tested))
    copy_by_optimizer |= info.layer == "dense1" && info.primitive == "forward weights copy";
  REQUIRE(copy_by_optimizer);
  const auto fresh = make_onednn_backend()->build(p.plan, options);
  for (size_t i = 0; i < p.plan.params.size(); ++i) fresh->write_parameter(i, read_param(*p.tested, i));
  p.tested->forward(probe.host(4), Phase::eval, 2);
  fresh->forward(probe.host(4), Phase::eval, 2);
  CHECK(read_activation(*p.tested, 1, 4) == read_activation(*fresh, 1, 4));
  // A written value makes the copy stale: the next forward converts it again, as a network
  // built after the write does.
  std::vector<float> doubled = read_param(*p.tested, weights);
  for (float& w : doubled) w *= 2;
  p.tested->write_parameter(weights, doubled);
  const auto after_write = make_onednn_backend()->build(p.plan, options);
  for (size_t i = 0; i < p.plan.params.size(); ++i) after_write->write_parameter(i, read_param(*p.tested, i));
  p.tested->forward(probe.host(4), Phase::eval, 3);
  after_write->forward(probe.host(4), Phase::eval, 3);
  CHECK(read_activation(*p.tested, 1, 4) == read_activation(*after_write, 1, 4));
}

}  // namespace

TEST_CASE("[avx2] a factored dense weight gradient trains like the reference with every optimizer") {
  check_path_available();
}

TEST_CASE("[avx2] Adam's step taken in the layer's next forward gives the bits of one taken at once") {
  if (const std::string why = kernel_path_missing(VectorIsa::avx2); !why.empty()) {
    MESSAGE(why);
    return;
  }
  SUBCASE("adam") { deferred_against_at_once(OptimizerConfig::Kind::adam); }
  SUBCASE("adamw") { deferred_against_at_once(OptimizerConfig::Kind::adamw); }
}

TEST_CASE("[avx512_core] bf16: the factored gradient, and the weight copy the optimizer writes") {
  if (const std::string why = avx512_core_missing(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  // Batches up to 16 factor the gradient; larger ones keep oneDNN's, and the copy either way.
  SUBCASE("batch 4") { check_bf16(4); }
  SUBCASE("batch 20") { check_bf16(20); }
}

TEST_CASE("[avx2] a factored dense weight gradient holds no gradient buffer") {
  if (const std::string why = kernel_path_missing(VectorIsa::avx2); !why.empty()) {
    MESSAGE(why);
    return;
  }
  // Trained against frozen, with momentum's one state slot: the trained dense1 adds its velocity
  // and the factors, but no second copy of its weights for a gradient.
  auto frozen_layers = wide_dense();
  frozen_layers[1].trainable = false;
  const NetworkPlan trained_plan = plan_network(wide_dense(), kInput, 5);
  const NetworkPlan frozen_plan = plan_network(frozen_layers, kInput, 5);
  const auto trained = make_onednn_backend()->build(trained_plan, options_for(OptimizerConfig::Kind::momentum));
  const auto frozen = make_onednn_backend()->build(frozen_plan, options_for(OptimizerConfig::Kind::momentum));
  REQUIRE(factored(*trained, "dense1"));
  const int64_t weight_bytes = 128 * 1024 * static_cast<int64_t>(sizeof(float));
  const int64_t added = trained->memory_bytes() - frozen->memory_bytes();
  CHECK(added >= weight_bytes);
  CHECK(added < weight_bytes * 3 / 2);
}

}  // namespace expt::onednn_test
