// docs/onednn-notes.md §1: oneDNN 2.6 silently falls back to `ref` implementations (about 1000x
// slower) for some layout combinations. The seed-like network must get optimised kernels for
// every primitive, and the backend must refuse ref convolutions.
#include <doctest/doctest.h>

#include "backends/onednn/factory.hpp"
#include "backends/onednn/introspection.hpp"
#include "cpu_requirements.hpp"
#include "parity.hpp"

namespace expt::onednn_test {

namespace {

// The seed network's layer stack at a quarter of its resolution, after one training step at
// batch 7 (so the passes for batch 10 and 7 both exist).
std::vector<onednn::PrimitiveInfo> seed_like_primitives(Precision precision) {
  const auto layers =
      named({conv(32, 3, 1, Padding::same, Activation::relu), conv(32, 3, 1, Padding::same, Activation::relu),
             pool(LayerKind::max_pool, 2, 2, 2, 2, Padding::same), conv(64, 3, 1, Padding::same, Activation::relu),
             conv(64, 3, 1, Padding::same, Activation::relu), pool(LayerKind::max_pool, 2, 2, 2, 2, Padding::same),
             dense(512, Activation::relu), simple(LayerKind::dropout, 0.5), dense(2)});
  NetworkOptions options;
  options.max_batch = 10;
  options.precision = precision;
  const NetworkPlan plan = plan_network(layers, Shape{3, 56, 56}, 2);
  auto net = make_onednn_backend()->build(plan, options);
  const Batch batch = random_batch(plan, 7, 3);
  net->forward(batch.host(7), Phase::train, 0);
  net->backward();
  return onednn::primitive_implementations(*net);
}

void check_no_ref_primitive(Precision precision) {
  const std::string_view precision_name = name_of(precision_names, precision);
  CAPTURE(precision_name);
  // Below AVX2 oneDNN 2.6 has only `ref` for the fused activations' backward on blocked
  // layouts; the convolutions and inner products must still be optimised there.
  const bool all_optimised = onednn::kernel_isa() >= VectorIsa::avx2;
  if (!all_optimised)
    MESSAGE("skipped for element-wise primitives: oneDNN at " << onednn::effective_isa_name()
                                                               << " runs activation backward as ref");
  int convolutions = 0, inner_products = 0;
  for (const auto& p : seed_like_primitives(precision)) {
    INFO(p.layer << " " << p.primitive << ": " << p.implementation);
    if (all_optimised || p.compute_bound) CHECK(p.implementation.find("ref") == std::string::npos);
    convolutions += p.primitive.find("convolution") != std::string::npos;
    inner_products += p.primitive.find("inner product") != std::string::npos;
  }
  CHECK(convolutions == 2 * 4 * 3);  // two batch sizes, four layers, three directions
  CHECK(inner_products == 2 * 2 * 3);
}

}  // namespace

TEST_CASE("the seed-like network builds no ref primitive in fp32 and fp32_strict") {
  check_no_ref_primitive(Precision::fp32);
  check_no_ref_primitive(Precision::fp32_strict);
}

TEST_CASE("[avx512_core] the seed-like network builds no ref primitive in bf16") {
  if (const std::string why = avx512_core_missing(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  check_no_ref_primitive(Precision::bf16);
}

// The contract of `precision` (docs/config.md): fp32 may use Winograd (oneDNN picks it per
// direction by problem size; for the seed's layers at 112 and 224 pixels it does), fp32_strict
// never does, and a layer whose channels do not fill 16-channel blocks (the 3-channel input)
// stays direct. Built only, never run. Returns how many Winograd primitives fp32 got.
namespace {

int winograd_convolutions(Precision precision) {
  const auto layers = named({conv(32, 3, 1, Padding::same, Activation::relu), conv(32, 3, 1, Padding::same),
                             pool(LayerKind::max_pool, 2, 2, 2, 2, Padding::same), conv(64, 3, 1, Padding::same),
                             dense(2)});
  const NetworkPlan plan = plan_network(layers, Shape{3, 112, 112}, 2);
  const std::string_view precision_name = name_of(precision_names, precision);
  CAPTURE(precision_name);
  NetworkOptions options;
  options.max_batch = 10;
  options.precision = precision;
  auto net = make_onednn_backend()->build(plan, options);
  int convolutions = 0, winograd = 0;
  for (const auto& p : onednn::primitive_implementations(*net)) {
    if (p.primitive.find("convolution") == std::string::npos) continue;
    INFO(p.layer << " " << p.primitive << ": " << p.implementation);
    ++convolutions;
    const bool is_winograd = p.implementation.find("wino") != std::string::npos;
    if (precision == Precision::fp32_strict || p.layer == layers[0].name) CHECK_FALSE(is_winograd);
    winograd += is_winograd;
  }
  CHECK(convolutions == 3 * 3);
  return winograd;
}

}  // namespace

TEST_CASE("fp32_strict and the 3-channel input layer always run direct convolutions") {
  CHECK(winograd_convolutions(Precision::fp32_strict) == 0);
  winograd_convolutions(Precision::fp32);
}

// oneDNN 2.6 implements Winograd only in AVX-512 code.
TEST_CASE("[avx512_core] fp32 runs Winograd where channels fill 16-blocks") {
  if (const std::string why = avx512_core_missing(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  CHECK(winograd_convolutions(Precision::fp32) >= 3);  // at least the 32-channel layer at 112 pixels
}

}  // namespace expt::onednn_test

namespace expt::onednn_test {

namespace {

// Winograd primitives among a 3x3 convolution's, `channels` in and out, on `side` x `side` images
// at batch 128, in fp32.
int winograd_primitives(int64_t channels, int64_t side) {
  const auto layers = named({conv(channels, 3, 1, Padding::same), simple(LayerKind::global_avg_pool), dense(2)});
  const NetworkPlan plan = plan_network(layers, Shape{channels, side, side}, 2);
  NetworkOptions options;
  options.max_batch = 128;
  auto net = make_onednn_backend()->build(plan, options);
  int winograd = 0;
  for (const auto& p : onednn::primitive_implementations(*net))
    winograd += p.primitive.find("convolution") != std::string::npos && p.implementation.find("wino") != std::string::npos;
  return winograd;
}

}  // namespace

// oneDNN's `auto` takes Winograd for 16 channels too, where it is no faster or slower
// (docs/benchmarks.md); expt keeps those direct.
TEST_CASE("[avx512_core] 16-channel convolutions run direct, 32-channel ones Winograd") {
  if (const std::string why = avx512_core_missing(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  CHECK(winograd_primitives(16, 28) == 0);
  CHECK(winograd_primitives(16, 14) == 0);
  CHECK(winograd_primitives(16, 7) == 0);
  CHECK(winograd_primitives(32, 14) > 0);
}

}  // namespace expt::onednn_test
