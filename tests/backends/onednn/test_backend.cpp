// The backend's description, precision support and argument checks.
#include <doctest/doctest.h>

#include "backends/onednn/cpu_isa.hpp"
#include "core/error.hpp"
#include "parity.hpp"

namespace expt::onednn_test {

TEST_CASE("device description names the ISA, the oneDNN version and the threads") {
  const std::string d = make_onednn_backend()->device_description();
  CHECK(d.rfind("CPU ", 0) == 0);
  CHECK(d.find("oneDNN 2.") != std::string::npos);
  CHECK(d.find("thread") != std::string::npos);
}

TEST_CASE("fp32 runs everywhere, bf16 exactly where oneDNN has AVX-512; fp16 and tf32 are refused with a reason") {
  auto backend = make_onednn_backend();
  NetworkOptions options;
  const LayerSpec layer = conv(4, 3, 1, Padding::same);
  CHECK(backend->unsupported_reason(layer, options).empty());
  options.precision = Precision::bf16;
  const std::string bf16_reason = backend->unsupported_reason(layer, options);
  CAPTURE(bf16_reason);
  if (onednn::has_avx512_core()) {
    CHECK(bf16_reason.empty());
  } else {
    CHECK(bf16_reason.find("AVX-512") != std::string::npos);
    CHECK(bf16_reason.find(onednn::effective_isa_name()) != std::string::npos);
  }
  for (const Precision precision : {Precision::fp16, Precision::tf32}) {
    options.precision = precision;
    CHECK_FALSE(backend->unsupported_reason(layer, options).empty());
    const NetworkPlan plan = plan_network(named({layer, dense(2)}), Shape{1, 4, 4}, 2);
    CHECK_THROWS_AS(backend->build(plan, options), BackendError);
  }
}

TEST_CASE("bad batches are refused") {
  NetworkOptions options;
  options.max_batch = 2;
  const NetworkPlan plan = plan_network(named({dense(3)}), Shape{1, 2, 2}, 3);
  auto net = make_onednn_backend()->build(plan, options);
  Batch batch = random_batch(plan, 3, 1);
  CHECK_THROWS_AS(net->forward(batch.host(3), Phase::train, 0), BackendError);
  batch = random_batch(plan, 2, 1);
  batch.labels[1] = 3;
  CHECK_THROWS_AS(net->forward(batch.host(2), Phase::train, 0), DataError);
}

TEST_CASE("timings cover layers, optimizer, loss and reorders when profiling") {
  NetworkOptions options;
  options.max_batch = 2;
  options.profile = true;
  const NetworkPlan plan =
      plan_network(named({conv(8, 3, 1, Padding::same, Activation::relu), dense(3)}), Shape{3, 6, 6}, 3);
  auto net = make_onednn_backend()->build(plan, options);
  const Batch batch = random_batch(plan, 2, 1);
  net->forward(batch.host(2), Phase::train, 0);
  net->backward();
  net->update(0.01, 1);
  const auto timings = net->timings();
  REQUIRE(timings.size() == plan.layers.size() + 3);
  CHECK(timings[0].layer == plan.layers[0].spec.name);
  CHECK(timings[0].forward_ms > 0);
  CHECK(timings[0].backward_weights_ms > 0);
  CHECK(timings[1].backward_data_ms > 0);
  CHECK(timings[plan.layers.size()].layer == "optimizer");
  CHECK(timings[plan.layers.size()].forward_ms > 0);
  CHECK(timings[plan.layers.size() + 1].layer == "loss");
  CHECK(timings[plan.layers.size() + 2].layer == "reorders");
  net->reset_timings();
  CHECK(net->timings()[0].forward_ms == 0);
  CHECK(net->memory_bytes() > 0);
}

}  // namespace expt::onednn_test

namespace expt::onednn_test {

// A conv with 16 outputs gives a channel-blocked output on the vector paths. A flatten that only
// a dense layer reads hands it on as it is, so the step copies no more than without the flatten
// (the batch into the network's input); the flatten still reads back in C, H, W order.
TEST_CASE("a flatten read only by dense layers adds no reorder to the step") {
  NetworkOptions options;
  options.max_batch = 2;
  options.profile = true;
  const auto reorder_calls = [&](const std::vector<LayerSpec>& layers) {
    const NetworkPlan plan = plan_network(named(layers), Shape{3, 6, 6}, 3);
    auto net = make_onednn_backend()->build(plan, options);
    const Batch batch = random_batch(plan, 2, 1);
    net->forward(batch.host(2), Phase::train, 0);
    net->backward();
    return net->timings().back().calls;
  };
  const LayerSpec convolution = conv(16, 3, 1, Padding::same, Activation::relu);
  const int64_t without = reorder_calls({convolution, dense(3)});
  CHECK(reorder_calls({convolution, simple(LayerKind::flatten), dense(3)}) == without);
  // Read by another kind, it copies to the plain layout where the input is blocked.
  if (onednn::kernel_isa() != VectorIsa::scalar)
    CHECK(reorder_calls({convolution, simple(LayerKind::flatten), simple(LayerKind::relu), dense(3)}) > without);
}

}  // namespace expt::onednn_test
