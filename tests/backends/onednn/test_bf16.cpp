// bf16 training (bf16 activations and weight copies, fp32 master weights, gradients and optimizer
// state) against the fp32 reference. bf16 keeps 8 significant bits, so elements are compared as
// whole tensors: ||onednn - reference|| <= kBf16Rel * ||reference||.
#include <doctest/doctest.h>

#include "backends/onednn/introspection.hpp"
#include "cpu_requirements.hpp"
#include "parity.hpp"

namespace expt::onednn_test {

namespace {

constexpr double kBf16Rel = 3e-2;

void check_norm_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  REQUIRE(got.size() == want.size());
  double norm = 0;
  for (const float w : want) norm += static_cast<double>(w) * w;
  const double distance = relative_l2_distance(got, want);
  INFO(what << ": relative L2 error " << distance);
  CHECK(distance * std::sqrt(std::max(norm, 1e-30)) <= kBf16Rel * std::sqrt(norm) + 1e-6);
}

std::vector<LayerSpec> bf16_cnn() {
  return named({conv(16, 3, 1, Padding::same, Activation::relu), conv(20, 3, 2, Padding::valid, Activation::relu),
                pool(LayerKind::avg_pool, 2, 2, 2, 2, Padding::same), simple(LayerKind::dropout, 0.3),
                simple(LayerKind::relu), pool(LayerKind::max_pool, 2, 2, 1, 1, Padding::valid),
                simple(LayerKind::flatten), dense(24, Activation::relu), simple(LayerKind::dropout, 0.5), dense(5)});
}

// `a` fused (a post-op, or for gelu and silu an eltwise after the primitive) and as a layer,
// then global average pooling. One short network per activation: bf16 rounding compounds with
// depth, and a long chain of squashing functions would leave the first layer's gradients to it.
std::vector<LayerSpec> bf16_activation(const ActivationCase& a) {
  return named({fusing(conv(16, 3, 1, Padding::same), a), activation_layer(a), simple(LayerKind::global_avg_pool),
                fusing(dense(24), a), dense(5)});
}

// One step of `layers` in bf16 against the fp32 reference: activations, then, with `backward`,
// gradients and parameters.
void check_bf16_step(const std::vector<LayerSpec>& layers, Shape input, bool backward = true) {
  NetworkOptions options;
  options.max_batch = 4;
  options.seed = 5;
  options.optimizer.kind = OptimizerConfig::Kind::adam;
  NetworkOptions bf16 = options;
  bf16.precision = Precision::bf16;
  const NetworkPlan plan = plan_network(layers, input, 5);
  auto reference = make_reference_backend()->build(plan, options);
  auto net = make_onednn_backend()->build(plan, bf16);
  for (size_t i = 0; i < plan.params.size(); ++i) net->write_parameter(i, read_param(*reference, i));
  for (const auto& p : onednn::primitive_implementations(*net)) {
    INFO(p.layer << " " << p.primitive << ": " << p.implementation);
    CHECK(p.implementation.find("ref") == std::string::npos);
  }

  const Batch batch = random_batch(plan, 4, 8);
  const BatchMetrics want = reference->forward(batch.host(4), Phase::train, 3);
  const BatchMetrics got = net->forward(batch.host(4), Phase::train, 3);
  CHECK(got.loss_sum == doctest::Approx(want.loss_sum).epsilon(kBf16Rel));
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    const auto a = read_activation(*net, l, 4), b = read_activation(*reference, l, 4);
    check_norm_close(a, b, "activation of " + plan.layers[l].spec.name);
    if (plan.layers[l].spec.kind == LayerKind::dropout || plan.layers[l].spec.kind == LayerKind::spatial_dropout) {
      // Where either input is zero the mask cannot be seen (a bf16 sum can cancel to zero).
      const auto before = read_activation(*reference, l - 1, 4), before_bf16 = read_activation(*net, l - 1, 4);
      size_t mismatched = 0;
      for (size_t i = 0; i < a.size(); ++i)
        if (before[i] != 0.0f && before_bf16[i] != 0.0f && (a[i] == 0.0f) != (b[i] == 0.0f)) ++mismatched;
      CHECK(mismatched == 0);
    }
  }
  if (!backward) return;
  reference->backward();
  net->backward();
  for (size_t i = 0; i < plan.params.size(); ++i)
    check_norm_close(read_grad(*net, i), read_grad(*reference, i), "gradient of " + plan.params[i].name);
  check_norm_close(read_input_gradient(*net, 4), read_input_gradient(*reference, 4), "input gradient");

  reference->update(1e-3, 1);
  net->update(1e-3, 1);
  // fp32 master weights: the update itself is fp32, so the parameters stay close.
  for (size_t i = 0; i < plan.params.size(); ++i)
    check_norm_close(read_param(*net, i), read_param(*reference, i), "parameter " + plan.params[i].name);
}

}  // namespace

TEST_CASE("[avx512_core] bf16: one step matches the fp32 reference to bf16 precision, dropout masks exactly") {
  if (const std::string why = avx512_core_missing(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  check_bf16_step(bf16_cnn(), Shape{3, 14, 13});
}

TEST_CASE("[avx512_core] bf16: spatial_dropout drops the reference's channels, in padded and whole channel blocks") {
  if (const std::string why = avx512_core_missing(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  // No activation before the dropout: its zeros are then the mask's alone, where a relu's would
  // also be values that bf16 rounds to the other side of zero.
  check_bf16_step(named({conv(24, 3, 1, Padding::same), simple(LayerKind::spatial_dropout, 0.4),
                         pool(LayerKind::max_pool, 2, 2, 2, 2, Padding::same), dense(5)}),
                  Shape{3, 9, 8});
  check_bf16_step(named({conv(16, 3, 2, Padding::valid), simple(LayerKind::spatial_dropout, 0.5), dense(5)}),
                  Shape{3, 9, 8});
}

TEST_CASE("[avx512_core] bf16: every activation, fused and as a layer, and global_avg_pool") {
  if (const std::string why = avx512_core_missing(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  for (const ActivationCase& a : activation_cases) {
    CAPTURE(to_string(a.layer));
    check_bf16_step(bf16_activation(a), Shape{3, 9, 8});
  }
}

TEST_CASE("[avx512_core] bf16: batch_norm per channel after a conv and per unit after a dense layer") {
  if (const std::string why = avx512_core_missing(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  // No bias before a batch norm: its gradient is zero up to rounding, which a relative
  // comparison would turn into noise. tanh, not relu, after it: batch norm centres values on
  // relu's kink, where bf16 rounding flips which ones pass and the gradients differ by more
  // than rounding.
  check_bf16_step(named({conv(16, 3, 1, Padding::same, Activation::none, false), simple(LayerKind::batch_norm),
                         simple(LayerKind::tanh), dense(24, Activation::none, false), simple(LayerKind::batch_norm),
                         simple(LayerKind::tanh), dense(5)}),
                  Shape{3, 9, 8});
}

// Forward only: the gradients of these deeper networks, summed in bf16 at every branch, come
// within 3-11% (relative L2) of the reference for the biases, whose sums over the batch and the
// image cancel, and past the 3% budget; fp32 and fp32_strict check backward exactly
// (test_residual_parity.cpp), and the bf16 graph code is the same.
TEST_CASE("[avx512_core] bf16: residual networks' forward, identity and 1x1-conv shortcuts") {
  if (const std::string why = avx512_core_missing(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  check_bf16_step(identity_residual(), Shape{3, 9, 9}, false);
  check_bf16_step(projection_residual(), Shape{3, 11, 10}, false);
  check_bf16_step(input_shortcut(), Shape{3, 6, 7}, false);
}

}  // namespace expt::onednn_test
