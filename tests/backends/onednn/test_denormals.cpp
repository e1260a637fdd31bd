// The optimizer's update with denormal floats flushed to zero (flush_denormals.hpp): with
// precision fp32 Adam's moments below 2^-126 become zero, with fp32_strict they keep IEEE
// values, in the plain update and in the one inside a factored gradient's expansion
// (factored_adam.cpp).
#include "backends/onednn/introspection.hpp"
#include "cpu_requirements.hpp"
#include "parity.hpp"

namespace expt::onednn_test {

namespace {

constexpr float kDenormal = 1e-40f;  // below 2^-126, about 1.2e-38

// One Adam step of a network whose first layer is dense, on inputs whose first feature is always
// zero: that feature's weights get a zero gradient, so their moments only decay (m by beta1, v
// by beta2), from the denormal values written before the step. Returns the first moment and
// second moment of the first layer's weights after the step.
std::pair<std::vector<float>, std::vector<float>> decay_denormal_moments(const std::vector<LayerSpec>& layers,
                                                                         Shape input, Precision precision,
                                                                         bool want_factored) {
  NetworkOptions options;
  options.optimizer.kind = OptimizerConfig::Kind::adam;
  options.max_batch = 2;
  options.precision = precision;
  const NetworkPlan plan = plan_network(layers, input, 3);
  const std::unique_ptr<Network> net = make_onednn_backend()->build(plan, options);
  bool factored = false;
  for (const onednn::PrimitiveInfo& p : onednn::primitive_implementations(*net))
    factored |= p.layer == plan.layers[0].spec.name && p.primitive == "inner product backward weights" &&
                p.implementation.find("in the optimizer") != std::string::npos;
  CHECK(factored == want_factored);
  const std::vector<float> denormals(static_cast<size_t>(plan.params[0].size()), kDenormal);
  net->write_optimizer_state(0, 0, denormals);
  net->write_optimizer_state(0, 1, denormals);
  Batch batch = random_batch(plan, 2, 5);
  const auto features = static_cast<size_t>(plan.input.size());
  for (size_t s = 0; s < 2; ++s) batch.images[s * features] = 0.0f;
  net->forward(batch.host(2), Phase::train, 0);
  net->backward();
  net->update(1e-3, 1);
  return {read_state(*net, 0, 0), read_state(*net, 0, 1)};
}

// Weight (o, 0) of the {out, in} weights, canonical layout.
float first_input(const std::vector<float>& weights, int64_t o, int64_t in) {
  return weights[static_cast<size_t>(o * in)];
}

void check(const std::vector<LayerSpec>& layers, Shape input, int64_t in, bool want_factored) {
  const auto [m, v] = decay_denormal_moments(layers, input, Precision::fp32, want_factored);
  const auto [strict_m, strict_v] = decay_denormal_moments(layers, input, Precision::fp32_strict, want_factored);
  for (const int64_t o : {int64_t{0}, int64_t{2}}) {
    CAPTURE(o);
    CHECK(first_input(m, o, in) == 0.0f);
    CHECK(first_input(v, o, in) == 0.0f);
    CHECK(first_input(strict_m, o, in) == 0.9f * kDenormal);  // beta1 = 0.9: m + (1 - beta1) (0 - m)
    CHECK(first_input(strict_v, o, in) == 0.999f * kDenormal);
  }
}

}  // namespace

TEST_CASE("precision fp32 flushes Adam's denormal moments to zero, fp32_strict keeps them") {
  SUBCASE("the update of a stored gradient") { check(named({dense(3)}), Shape{1, 2, 2}, 4, false); }
  SUBCASE("the update inside a factored gradient's expansion") {
    if (const std::string why = kernel_path_missing(VectorIsa::avx2); !why.empty()) {
      const std::string message = why + " (the gradient is factored in expt's kernel layouts only)";
      MESSAGE(message);
      return;
    }
    check(named({dense(128), dense(3)}), Shape{16, 8, 8}, 1024, true);
  }
}

}  // namespace expt::onednn_test
