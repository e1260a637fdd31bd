// The reference Network through the Backend interface, in float: gradients of whole networks
// against finite differences, dropout wiring, training, determinism and the bookkeeping calls.
#include <doctest/doctest.h>

#include <cmath>

#include "backends/reference/factory.hpp"
#include "core/error.hpp"
#include "core/philox.hpp"
#include "gradient_check.hpp"

using namespace expt;
using expt::reference::testing::random_tensor;

namespace {

LayerSpec layer(LayerKind kind, const std::string& name) {
  LayerSpec s;
  s.kind = kind;
  s.name = name;
  // Weights large enough that every gradient is well above the float finite-difference noise.
  s.weight_init = InitSpec{InitSpec::Kind::uniform, 0, 0, -0.5, 0.5};
  s.bias_init = InitSpec{InitSpec::Kind::uniform, 0, 0, -0.1, 0.1};
  return s;
}

LayerSpec windowed(LayerKind kind, const std::string& name, int64_t k_h, int64_t k_w, int64_t s_h, int64_t s_w,
                   Padding padding) {
  LayerSpec s = layer(kind, name);
  s.kernel_h = k_h;
  s.kernel_w = k_w;
  s.stride_h = s_h;
  s.stride_w = s_w;
  s.padding = padding;
  return s;
}

LayerSpec dense(const std::string& name, int64_t units, Activation activation = Activation::none) {
  LayerSpec s = layer(LayerKind::dense, name);
  s.units = units;
  s.activation = activation;
  return s;
}

// conv 3x2 stride (2,1) same with relu (asymmetric column padding) -> max_pool same ->
// dropout -> dense with relu -> logits.
NetworkPlan conv_pool_dropout_plan() {
  LayerSpec conv = windowed(LayerKind::conv2d, "conv", 3, 2, 2, 1, Padding::same);
  conv.filters = 3;
  conv.activation = Activation::relu;
  LayerSpec drop = layer(LayerKind::dropout, "drop");
  drop.rate = 0.3;
  return plan_network({conv, windowed(LayerKind::max_pool, "pool", 2, 2, 2, 2, Padding::same), drop,
                       dense("hidden", 4, Activation::relu), dense("logits", 3)},
                      Shape{2, 7, 6}, 3);
}

// conv 2x2 valid without bias -> relu layer -> avg_pool 3x3 stride 2 same -> flatten -> logits.
NetworkPlan conv_relu_avg_plan() {
  LayerSpec conv = windowed(LayerKind::conv2d, "conv", 2, 2, 1, 1, Padding::valid);
  conv.filters = 2;
  conv.use_bias = false;
  return plan_network({conv, layer(LayerKind::relu, "relu"), windowed(LayerKind::avg_pool, "pool", 3, 3, 2, 2, Padding::same),
                       layer(LayerKind::flatten, "flatten"), dense("logits", 3)},
                      Shape{1, 6, 7}, 3);
}

// Smooth activations only, so no finite difference crosses a kink: conv same with fused gelu ->
// silu layer -> 1x1 conv with fused elu -> global_avg_pool -> dense with fused silu -> tanh ->
// sigmoid -> logits. gelu and silu fused keep their pre-activation for backward.
NetworkPlan activations_plan() {
  LayerSpec conv = windowed(LayerKind::conv2d, "conv", 3, 3, 1, 1, Padding::same);
  conv.filters = 3;
  conv.activation = Activation::gelu;
  LayerSpec pointwise = windowed(LayerKind::conv2d, "pointwise", 1, 1, 1, 1, Padding::valid);
  pointwise.filters = 4;
  pointwise.activation = Activation::elu;
  pointwise.alpha = 0.7;
  return plan_network({conv, layer(LayerKind::silu, "silu"), pointwise, layer(LayerKind::global_avg_pool, "gap"),
                       dense("hidden", 5, Activation::silu), layer(LayerKind::tanh, "tanh"),
                       layer(LayerKind::sigmoid, "sigmoid"), dense("logits", 3)},
                      Shape{2, 5, 4}, 3);
}

// conv same -> batch_norm per channel -> tanh -> dense -> batch_norm per unit -> sigmoid ->
// logits: smooth, so no finite difference crosses a kink.
NetworkPlan batch_norm_plan() {
  LayerSpec conv = windowed(LayerKind::conv2d, "conv", 3, 3, 1, 1, Padding::same);
  conv.filters = 3;
  LayerSpec norm = layer(LayerKind::batch_norm, "norm");
  norm.momentum = 0.25;
  return plan_network({conv, norm, layer(LayerKind::tanh, "tanh"), dense("hidden", 4),
                       layer(LayerKind::batch_norm, "hidden_norm"), layer(LayerKind::sigmoid, "sigmoid"),
                       dense("logits", 3)},
                      Shape{2, 4, 3}, 3);
}

NetworkOptions options_with(OptimizerConfig::Kind kind, int64_t max_batch) {
  NetworkOptions o;
  o.optimizer.kind = kind;
  o.seed = 17;
  o.max_batch = max_batch;
  return o;
}

struct Batch {
  std::vector<float> images;
  std::vector<int32_t> labels;
  HostBatch host() const { return HostBatch{static_cast<int64_t>(labels.size()), images, labels}; }
};

Batch random_batch(const NetworkPlan& plan, int64_t n, uint64_t seed) {
  Batch b;
  for (double v : random_tensor(n * plan.input.size(), seed)) b.images.push_back(static_cast<float>(v));
  for (int64_t i = 0; i < n; ++i) b.labels.push_back(static_cast<int32_t>(i % plan.classes));
  return b;
}

// Central differences of the float network's mean loss. With h = 2e-3, float rounding of the
// loss adds ~5e-5 and curvature ~1e-5; a wrong index or factor is off by far more than the
// tolerance |analytic - numeric| <= 2e-4 + 1e-2 |numeric| (typical gradients are 1e-2..1e-1).
// h is small enough that, for these seeds, no perturbation moves a relu input across 0 or
// changes a max-pool winner.
constexpr float kStep = 2e-3f;
bool gradient_close(double analytic, double numeric) {
  return std::abs(analytic - numeric) <= 2e-4 + 1e-2 * std::abs(numeric);
}

void check_network_gradients(const NetworkPlan& plan) {
  auto net = make_reference_backend()->build(plan, options_with(OptimizerConfig::Kind::sgd, 2));
  Batch batch = random_batch(plan, 2, 61);
  const uint64_t step = 5;
  auto loss = [&] { return net->forward(batch.host(), Phase::train, step).loss(); };
  loss();
  net->backward();

  for (size_t p = 0; p < plan.params.size(); ++p) {
    const auto size = static_cast<size_t>(plan.params[p].size());
    std::vector<float> values(size), grad(size);
    net->read_parameter(p, values);
    net->read_gradient(p, grad);
    for (size_t i = 0; i < size; ++i) {
      const float saved = values[i];
      values[i] = saved + kStep;
      net->write_parameter(p, values);
      const double up = loss();
      values[i] = saved - kStep;
      net->write_parameter(p, values);
      const double down = loss();
      values[i] = saved;
      net->write_parameter(p, values);
      const double numeric = (up - down) / (2.0 * kStep);
      INFO(plan.params[p].name, "[", i, "] analytic ", grad[i], " numeric ", numeric);
      CHECK(gradient_close(grad[i], numeric));
    }
  }

  std::vector<float> input_grad(batch.images.size());
  net->read_input_gradient(input_grad);
  for (size_t i = 0; i < batch.images.size(); ++i) {
    const float saved = batch.images[i];
    batch.images[i] = saved + kStep;
    const double up = loss();
    batch.images[i] = saved - kStep;
    const double down = loss();
    batch.images[i] = saved;
    const double numeric = (up - down) / (2.0 * kStep);
    INFO("input[", i, "] analytic ", input_grad[i], " numeric ", numeric);
    CHECK(gradient_close(input_grad[i], numeric));
  }
}

std::vector<float> activation(const Network& net, size_t layer, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n * net.plan().layers[layer].out.size()));
  net.read_activation(layer, out);
  return out;
}

}  // namespace

TEST_CASE("network gradients match finite differences: conv same/relu, max_pool, dropout, dense") {
  check_network_gradients(conv_pool_dropout_plan());
}

// Branches, smooth activations only: tanh -> conv same with fused gelu -> add(tanh, conv) -> 1x1
// conv of the network input -> add of the sum, that conv and the tanh again (read three times in
// all) -> global_avg_pool -> logits.
NetworkPlan residual_plan() {
  LayerSpec conv = windowed(LayerKind::conv2d, "conv", 3, 3, 1, 1, Padding::same);
  conv.filters = 2;
  conv.activation = Activation::gelu;
  LayerSpec shortcut = windowed(LayerKind::conv2d, "shortcut", 1, 1, 1, 1, Padding::valid);
  shortcut.filters = 2;
  shortcut.input = "input";
  LayerSpec join = layer(LayerKind::add, "join");
  join.inputs = {"tanh", "conv"};
  LayerSpec join3 = layer(LayerKind::add, "join3");
  join3.inputs = {"join", "shortcut", "tanh"};
  return plan_network({layer(LayerKind::tanh, "tanh"), conv, join, shortcut, join3, layer(LayerKind::global_avg_pool, "gap"),
                       dense("logits", 3)},
                      Shape{2, 5, 4}, 3);
}

TEST_CASE("network gradients match finite differences: residual branches and add layers") {
  check_network_gradients(residual_plan());
}

TEST_CASE("network gradients match finite differences: conv valid, relu, avg_pool, flatten") {
  check_network_gradients(conv_relu_avg_plan());
}

TEST_CASE("network gradients match finite differences: fused and layer activations, global_avg_pool") {
  check_network_gradients(activations_plan());
}

TEST_CASE("network gradients match finite differences: batch norm after conv and after dense") {
  check_network_gradients(batch_norm_plan());
}

TEST_CASE("batch norm in the network: PyTorch's tensors, running statistics, evaluation, and no optimizer step") {
  const NetworkPlan plan = batch_norm_plan();
  const std::vector<int> norm_params = plan.layers[1].params;
  REQUIRE(norm_params.size() == 5);
  const char* names[] = {"norm.weight", "norm.bias", "norm.running_mean", "norm.running_var",
                         "norm.num_batches_tracked"};
  for (size_t i = 0; i < 5; ++i) {
    const ParamSpec& p = plan.params[static_cast<size_t>(norm_params[i])];
    CHECK(p.name == names[i]);
    CHECK(p.trainable == (i < 2));
    CHECK(p.dims == (i < 4 ? std::vector<int64_t>{3} : std::vector<int64_t>{}));
  }
  auto net = make_reference_backend()->build(plan, options_with(OptimizerConfig::Kind::sgd, 4));
  auto read = [&](size_t which) {
    const ParamSpec& p = plan.params[static_cast<size_t>(norm_params[which])];
    std::vector<float> v(static_cast<size_t>(p.size()));
    net->read_parameter(static_cast<size_t>(norm_params[which]), v);
    return v;
  };
  CHECK(read(0) == std::vector<float>{1, 1, 1});
  CHECK(read(3) == std::vector<float>{1, 1, 1});
  const Batch batch = random_batch(plan, 4, 71);
  for (uint64_t step = 0; step < 3; ++step) {
    net->forward(batch.host(), Phase::train, step);
    net->backward();
    net->update(0.1, step + 1);
  }
  CHECK(read(4) == std::vector<float>{3});
  // Each step moved the running mean a quarter of the way to the conv output's channel mean.
  const std::vector<float> running_mean = read(2), running_var = read(3);
  CHECK(running_mean != std::vector<float>{0, 0, 0});
  CHECK(read(0) != std::vector<float>{1, 1, 1});  // the scale learns

  // Evaluation normalises with the running statistics and leaves them as they are.
  net->forward(batch.host(), Phase::eval, 3);
  const std::vector<float> conv_out = activation(*net, 0, 4), normalized = activation(*net, 1, 4);
  const std::vector<float> scale = read(0), shift = read(1);
  for (size_t k = 0; k < conv_out.size(); ++k) {
    const size_t c = (k / 12) % 3;
    const double want = (conv_out[k] - running_mean[c]) / std::sqrt(running_var[c] + 1e-5) * scale[c] + shift[c];
    CHECK(normalized[k] == doctest::Approx(want).epsilon(1e-5));
  }
  CHECK(read(2) == running_mean);
  CHECK(read(4) == std::vector<float>{3});
}

TEST_CASE("global_avg_pool is each channel's mean") {
  const NetworkPlan plan =
      plan_network({layer(LayerKind::global_avg_pool, "gap"), dense("logits", 2)}, Shape{2, 2, 3}, 2);
  CHECK(plan.layers[0].out == Shape{2, 1, 1});
  CHECK(plan.layers[0].forward_flops == 12);
  auto net = make_reference_backend()->build(plan, options_with(OptimizerConfig::Kind::sgd, 1));
  const std::vector<float> images{1, 2, 3, 4, 5, 6, -1, -1, -1, -1, -1, 11};
  const std::vector<int32_t> labels{0};
  net->forward(HostBatch{1, images, labels}, Phase::eval, 0);
  CHECK(activation(*net, 0, 1) == std::vector<float>{3.5f, 1.0f});
}

TEST_CASE("dense reads its input in channel, height, width order") {
  // input [c=2, h=1, w=2] = (1, 2, 3, 4) flattened as c0w0, c0w1, c1w0, c1w1.
  const NetworkPlan plan = plan_network({dense("logits", 1)}, Shape{2, 1, 2}, 1);
  auto net = make_reference_backend()->build(plan, options_with(OptimizerConfig::Kind::sgd, 1));
  const std::vector<float> weight{1, 10, 100, 1000}, bias{0}, image{1, 2, 3, 4};
  const std::vector<int32_t> label{0};
  net->write_parameter(0, weight);
  net->write_parameter(1, bias);
  net->forward(HostBatch{1, image, label}, Phase::eval, 0);
  CHECK(activation(*net, 0, 1) == std::vector<float>{4321});
}

TEST_CASE("dropout in the network: Philox by plan layer index, step and whole-batch element index") {
  const NetworkPlan plan = conv_pool_dropout_plan();
  const size_t drop = 2, pool = 1;
  const int64_t n = 3;
  const Batch batch = random_batch(plan, n, 62);

  auto net = make_reference_backend()->build(plan, options_with(OptimizerConfig::Kind::sgd, n));
  net->forward(batch.host(), Phase::eval, 9);
  CHECK(activation(*net, drop, n) == activation(*net, pool, n));

  net->forward(batch.host(), Phase::train, 9);
  const auto x = activation(*net, pool, n), y = activation(*net, drop, n);
  const uint32_t threshold = philox::drop_threshold(0.3f);
  for (size_t i = 0; i < y.size(); ++i) {
    const bool kept = philox::dropout_block(17, drop, 9, i / 4).v[i % 4] >= threshold;
    CHECK(y[i] == (kept ? x[i] * static_cast<float>(1.0 / 0.7) : 0.0f));
  }

  auto options = options_with(OptimizerConfig::Kind::sgd, n);
  options.dropout = false;
  auto without = make_reference_backend()->build(plan, options);
  without->forward(batch.host(), Phase::train, 9);
  CHECK(activation(*without, drop, n) == activation(*without, pool, n));
}

TEST_CASE("training steps reduce the loss on a tiny problem") {
  const NetworkPlan plan = conv_relu_avg_plan();
  auto options = options_with(OptimizerConfig::Kind::adam, 8);
  auto net = make_reference_backend()->build(plan, options);
  const Batch batch = random_batch(plan, 8, 63);
  const double initial = net->forward(batch.host(), Phase::eval, 0).loss();
  for (uint64_t step = 0; step < 60; ++step) {
    net->forward(batch.host(), Phase::train, step);
    net->backward();
    net->update(0.02, step + 1);
  }
  const double trained = net->forward(batch.host(), Phase::eval, 0).loss();
  INFO("loss ", initial, " -> ", trained);
  CHECK(trained < 0.5 * initial);
}

TEST_CASE("update applies the optimizer to every parameter with its gradient") {
  const NetworkPlan plan = conv_pool_dropout_plan();
  auto net = make_reference_backend()->build(plan, options_with(OptimizerConfig::Kind::sgd, 2));
  const Batch batch = random_batch(plan, 2, 64);
  net->forward(batch.host(), Phase::train, 0);
  net->backward();
  for (size_t p = 0; p < plan.params.size(); ++p) {
    const auto size = static_cast<size_t>(plan.params[p].size());
    std::vector<float> before(size), grad(size), after(size);
    net->read_parameter(p, before);
    net->read_gradient(p, grad);
    net->update(0.5, 1);
    net->read_parameter(p, after);
    for (size_t i = 0; i < size; ++i) CHECK(after[i] == before[i] - 0.5f * grad[i]);
    net->write_parameter(p, before);  // leave the others' next update comparable
  }
}

TEST_CASE("results do not depend on the thread count") {
  const NetworkPlan plan = conv_pool_dropout_plan();
  const Batch batch = random_batch(plan, 4, 65);
  auto gradients_with = [&](int64_t threads) {
    auto options = options_with(OptimizerConfig::Kind::sgd, 4);
    options.threads = threads;
    auto net = make_reference_backend()->build(plan, options);
    std::vector<float> all;
    all.push_back(static_cast<float>(net->forward(batch.host(), Phase::train, 3).loss_sum));
    net->backward();
    for (size_t p = 0; p < plan.params.size(); ++p) {
      std::vector<float> g(static_cast<size_t>(plan.params[p].size()));
      net->read_gradient(p, g);
      all.insert(all.end(), g.begin(), g.end());
    }
    return all;
  };
  CHECK(gradients_with(1) == gradients_with(2));
}

TEST_CASE("batches up to max_batch are accepted, larger ones and bad labels rejected") {
  const NetworkPlan plan = conv_relu_avg_plan();
  auto net = make_reference_backend()->build(plan, options_with(OptimizerConfig::Kind::sgd, 4));
  const Batch three = random_batch(plan, 3, 66);
  CHECK(net->forward(three.host(), Phase::eval, 0).count == 3);
  CHECK(activation(*net, 4, 3).size() == 9);
  CHECK_THROWS_AS(net->forward(random_batch(plan, 5, 67).host(), Phase::eval, 0), BackendError);
  Batch bad = three;
  bad.labels[1] = 3;
  CHECK_THROWS_AS(net->forward(bad.host(), Phase::eval, 0), DataError);
}

TEST_CASE("precision other than fp32 is unsupported") {
  auto backend = make_reference_backend();
  const NetworkPlan plan = conv_relu_avg_plan();
  auto options = options_with(OptimizerConfig::Kind::sgd, 1);
  CHECK(backend->unsupported_reason(plan.layers[0].spec, options).empty());
  options.precision = Precision::bf16;
  CHECK_FALSE(backend->unsupported_reason(plan.layers[0].spec, options).empty());
  CHECK_THROWS_AS(backend->build(plan, options), BackendError);
  CHECK(backend->device_description().starts_with("CPU (reference loops), "));
}

TEST_CASE("fp32_strict is what the reference loops compute anyway; the description names the threads used") {
  auto backend = make_reference_backend();
  const NetworkPlan plan = conv_relu_avg_plan();
  auto options = options_with(OptimizerConfig::Kind::sgd, 1);
  options.precision = Precision::fp32_strict;
  CHECK(backend->unsupported_reason(plan.layers[0].spec, options).empty());
  CHECK(backend->build(plan, options) != nullptr);
  CHECK(backend->device_description(1) == "CPU (reference loops), 1 thread");
  CHECK(backend->device_description(3) == "CPU (reference loops), 3 threads");
  CHECK(backend->thread_count(1) == 1);
}

TEST_CASE("optimizer state round-trips; timings and memory are reported") {
  const NetworkPlan plan = conv_pool_dropout_plan();
  auto options = options_with(OptimizerConfig::Kind::adam, 2);
  options.profile = true;
  auto net = make_reference_backend()->build(plan, options);
  const std::vector<float> state(static_cast<size_t>(plan.params[0].size()), 0.25f);
  net->write_optimizer_state(0, 1, state);
  std::vector<float> read(state.size());
  net->read_optimizer_state(0, 1, read);
  CHECK(read == state);
  CHECK_THROWS_AS(net->read_optimizer_state(0, 2, read), BackendError);

  net->forward(random_batch(plan, 2, 68).host(), Phase::train, 0);
  net->backward();
  net->update(0.01, 1);
  const auto timings = net->timings();
  REQUIRE(timings.size() == plan.layers.size() + 2);
  CHECK(timings[0].layer == "conv");
  CHECK(timings[0].calls == 1);
  CHECK(timings[0].forward_ms > 0);
  CHECK(timings[0].backward_weights_ms > 0);
  CHECK(timings.back().layer == "optimizer");
  net->reset_timings();
  CHECK(net->timings()[0].calls == 0);

  // parameters, gradients and two Adam slots, plus per-layer activations for 2 samples
  const int64_t lower_bound = 4 * plan.parameter_count() * 4 + 2 * plan.activation_floats() * 4;
  CHECK(net->memory_bytes() >= lower_bound);
  CHECK(net->memory_bytes() < 4 * lower_bound);
}
