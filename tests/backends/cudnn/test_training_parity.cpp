// Whole training steps (forward, backward, update) with dropout on, for every optimizer,
// against the reference backend: parameters and optimizer state after several steps.
#include "cudnn_parity.hpp"

namespace expt::gpu_test {

namespace {

std::vector<LayerSpec> small_cnn() {
  return named({conv(6, 3, 3, 1, Padding::same, Activation::relu), pool(LayerKind::max_pool, 2, 2, Padding::same),
                conv(8, 2, 2, 1, Padding::same, Activation::relu), simple(LayerKind::dropout, 0.25),
                pool(LayerKind::avg_pool, 3, 2, Padding::same), simple(LayerKind::flatten), dense(16, Activation::relu),
                simple(LayerKind::dropout, 0.5), dense(4)});
}

void train_and_compare(OptimizerConfig optimizer, Precision precision, Tolerance tol) {
  NetworkOptions options;
  options.seed = 3;
  options.max_batch = 8;
  options.optimizer = optimizer;
  Pair p = build_pair(small_cnn(), Shape{3, 11, 10}, 4, options, precision);
  const int slots = optimizer_state_slots(optimizer.kind);
  for (uint64_t step = 0; step < 4; ++step) {
    const Batch batch = random_batch(p.plan, 8, 100 + step);
    const int64_t n = step == 3 ? 5 : 8;  // a short last batch, as at the end of an epoch
    const BatchMetrics want = p.reference->forward(batch.host(n), Phase::train, step);
    const BatchMetrics got = p.tested->forward(batch.host(n), Phase::train, step);
    CHECK(got.loss_sum == doctest::Approx(want.loss_sum).epsilon(tol.rel));
    p.reference->backward();
    p.tested->backward();
    p.reference->update(optimizer.learning_rate, step + 1);
    p.tested->update(optimizer.learning_rate, step + 1);
    for (size_t i = 0; i < p.plan.params.size(); ++i) {
      const std::string name = p.plan.params[i].name + " after step " + std::to_string(step);
      check_close(read_param(*p.tested, i), read_param(*p.reference, i), name, tol);
      for (int s = 0; s < slots; ++s)
        check_close(read_state(*p.tested, i, s), read_state(*p.reference, i, s),
                    "state " + std::to_string(s) + " of " + name, tol);
    }
  }
  const Batch eval = random_batch(p.plan, 8, 999);
  const BatchMetrics want = p.reference->forward(eval.host(8), Phase::eval, 0);
  const BatchMetrics got = p.tested->forward(eval.host(8), Phase::eval, 0);
  CHECK(got.loss_sum == doctest::Approx(want.loss_sum).epsilon(tol.rel));
}

OptimizerConfig optimizer(OptimizerConfig::Kind kind, double learning_rate, double weight_decay, bool nesterov = false) {
  OptimizerConfig c;
  c.kind = kind;
  c.learning_rate = learning_rate;
  c.weight_decay = weight_decay;
  c.nesterov = nesterov;
  return c;
}

void train_all_precisions(const OptimizerConfig& c) {
  // Adam divides by sqrt(v): where a gradient is tiny its update is still O(lr), so parameter
  // errors stay at the level of the gradients' relative error times lr.
  SUBCASE("fp32_strict") { train_and_compare(c, Precision::fp32_strict, Tolerance{1e-3, 1e-5}); }
  SUBCASE("fp32 (TF32)") { train_and_compare(c, Precision::fp32, Tolerance{2e-2, 1e-4}); }
}

}  // namespace

TEST_CASE("gpu training parity: sgd with L2 weight decay") {
  if (no_gpu()) return;
  train_all_precisions(optimizer(OptimizerConfig::Kind::sgd, 0.1, 1e-3));
}

TEST_CASE("gpu training parity: momentum") {
  if (no_gpu()) return;
  train_all_precisions(optimizer(OptimizerConfig::Kind::momentum, 0.05, 0.0));
}

TEST_CASE("gpu training parity: nesterov momentum with weight decay") {
  if (no_gpu()) return;
  train_all_precisions(optimizer(OptimizerConfig::Kind::momentum, 0.05, 1e-4, true));
}

TEST_CASE("gpu training parity: adam with L2 weight decay") {
  if (no_gpu()) return;
  train_all_precisions(optimizer(OptimizerConfig::Kind::adam, 1e-3, 1e-4));
}

TEST_CASE("gpu training parity: adamw (decoupled weight decay)") {
  if (no_gpu()) return;
  train_all_precisions(optimizer(OptimizerConfig::Kind::adamw, 1e-3, 1e-2));
}

TEST_CASE("gpu: the optimizer update matches the CPU formula exactly for the same gradients") {
  if (no_gpu()) return;
  // One dense layer, gradients copied in through a reference step: with equal parameters,
  // gradients and state, the kernels' float operations (no FMA contraction) equal the CPU's.
  for (auto kind : {OptimizerConfig::Kind::sgd, OptimizerConfig::Kind::momentum, OptimizerConfig::Kind::adam,
                    OptimizerConfig::Kind::adamw}) {
    NetworkOptions options;
    options.max_batch = 2;
    options.optimizer = optimizer(kind, 0.01, 0.01);
    Pair p = build_pair(named({dense(3)}), Shape{1, 1, 4}, 3, options, Precision::fp32_strict);
    const int slots = optimizer_state_slots(kind);
    for (size_t i = 0; i < p.plan.params.size(); ++i)
      for (int s = 0; s < slots; ++s) {
        const auto state = random_floats(static_cast<size_t>(p.plan.params[i].size()), 40 + i + s, 0.0f, 0.5f);
        p.reference->write_optimizer_state(i, s, state);
        p.tested->write_optimizer_state(i, s, state);
      }
    // A batch of one sample with a one-element reduction per gradient: no summation order to differ.
    const Batch batch = random_batch(p.plan, 1, 8);
    p.reference->forward(batch.host(1), Phase::train, 0);
    p.tested->forward(batch.host(1), Phase::train, 0);
    p.reference->backward();
    p.tested->backward();
    bool same_gradients = true;
    for (size_t i = 0; i < p.plan.params.size(); ++i) same_gradients &= read_grad(*p.tested, i) == read_grad(*p.reference, i);
    if (!same_gradients) {
      MESSAGE("gradients differ in the last bit (the softmax's expf); exact update check not applicable");
      continue;
    }
    p.reference->update(0.01, 3);
    p.tested->update(0.01, 3);
    for (size_t i = 0; i < p.plan.params.size(); ++i) {
      CHECK(read_param(*p.tested, i) == read_param(*p.reference, i));
      for (int s = 0; s < slots; ++s) CHECK(read_state(*p.tested, i, s) == read_state(*p.reference, i, s));
    }
  }
}

}  // namespace expt::gpu_test
