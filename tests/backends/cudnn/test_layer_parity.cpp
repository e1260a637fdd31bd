// Every layer kind, forward and backward, against the reference backend: each network is the
// layer under test followed by the dense logits layer every plan ends with. Shapes are chosen
// so `same` padding is asymmetric (cuDNN cannot do that by itself) as well as symmetric.
#include "cudnn_parity.hpp"

namespace expt::gpu_test {

namespace {

void check_network(const std::vector<LayerSpec>& layers, Shape input, Precision precision, Tolerance tol) {
  NetworkOptions options;
  options.seed = 7;
  options.max_batch = 4;
  Pair p = build_pair(named(layers), input, 5, options, precision);
  const Batch batch = random_batch(p.plan, 4, 11);
  check_forward_backward(p, batch, 4, 3, tol);
  // A smaller batch than max_batch makes convolutions search algorithms again.
  check_forward_backward(p, batch, 3, 4, tol);
}

void check_both_precisions(const std::vector<LayerSpec>& layers, Shape input) {
  SUBCASE("fp32_strict") { check_network(layers, input, Precision::fp32_strict, kStrict); }
  SUBCASE("fp32 (TF32)") { check_network(layers, input, Precision::fp32, kTf32); }
}

}  // namespace

TEST_CASE("gpu parity: conv2d same, asymmetric padding (8x8, 3x3, stride 2) with bias") {
  if (no_gpu()) return;
  check_both_precisions({conv(6, 3, 3, 2, Padding::same), dense(5)}, Shape{3, 8, 8});
}

TEST_CASE("gpu parity: conv2d same, asymmetric padding (2x2 kernel, stride 1), fused relu") {
  if (no_gpu()) return;
  check_both_precisions({conv(4, 2, 2, 1, Padding::same, Activation::relu), dense(5)}, Shape{2, 7, 6});
}

TEST_CASE("gpu parity: conv2d same, symmetric padding (3x3, stride 1), fused relu") {
  if (no_gpu()) return;
  check_both_precisions({conv(8, 3, 3, 1, Padding::same, Activation::relu), dense(5)}, Shape{3, 9, 9});
}

TEST_CASE("gpu parity: conv2d valid, rectangular kernel, stride 2, no bias") {
  if (no_gpu()) return;
  check_both_precisions({conv(5, 3, 2, 2, Padding::valid, Activation::none, false), dense(5)}, Shape{3, 9, 8});
}

TEST_CASE("gpu parity: max_pool same (asymmetric) and valid") {
  if (no_gpu()) return;
  SUBCASE("same 3x3 stride 2") { check_both_precisions({pool(LayerKind::max_pool, 3, 2, Padding::same), dense(5)}, Shape{2, 8, 8}); }
  SUBCASE("valid 2x2 stride 2") { check_both_precisions({pool(LayerKind::max_pool, 2, 2, Padding::valid), dense(5)}, Shape{2, 8, 6}); }
}

TEST_CASE("gpu parity: max_pool gradients go to the first maximum of tied windows") {
  if (no_gpu()) return;
  // relu zeroes about half of the conv outputs, so many pooling windows tie at 0.
  check_both_precisions({conv(3, 3, 3, 1, Padding::same, Activation::relu), pool(LayerKind::max_pool, 2, 1, Padding::same),
                         dense(5)},
                        Shape{2, 6, 6});
}

TEST_CASE("gpu parity: avg_pool same (asymmetric: averages over real pixels only) and valid") {
  if (no_gpu()) return;
  SUBCASE("same 3x3 stride 2") { check_both_precisions({pool(LayerKind::avg_pool, 3, 2, Padding::same), dense(5)}, Shape{2, 8, 8}); }
  SUBCASE("valid 2x2 stride 1") { check_both_precisions({pool(LayerKind::avg_pool, 2, 1, Padding::valid), dense(5)}, Shape{2, 5, 5}); }
}

TEST_CASE("gpu parity: relu, flatten, dense with fused relu") {
  if (no_gpu()) return;
  check_both_precisions({simple(LayerKind::relu), simple(LayerKind::flatten), dense(7, Activation::relu), dense(5)},
                        Shape{3, 4, 4});
}

TEST_CASE("gpu parity: every activation as a layer, and fused into conv2d and dense") {
  if (no_gpu()) return;
  for (const ActivationCase& a : activation_cases) {
    CAPTURE(to_string(a.layer));
    check_both_precisions({activation_layer(a), dense(5)}, Shape{3, 4, 5});
    check_both_precisions({fusing(conv(6, 3, 3, 1, Padding::same), a), fusing(dense(7), a), dense(5)}, Shape{2, 6, 5});
  }
}

TEST_CASE("gpu parity: global_avg_pool after a conv") {
  if (no_gpu()) return;
  check_both_precisions({conv(6, 3, 3, 1, Padding::same, Activation::relu), simple(LayerKind::global_avg_pool), dense(5)},
                        Shape{2, 7, 6});
}

TEST_CASE("gpu parity: batch_norm spatial after a conv and per activation after a dense layer") {
  if (no_gpu()) return;
  check_both_precisions({conv(6, 3, 3, 1, Padding::same), simple(LayerKind::batch_norm), simple(LayerKind::relu),
                         dense(7), simple(LayerKind::batch_norm), dense(5)},
                        Shape{3, 8, 7});
}

TEST_CASE("gpu parity: batch_norm running statistics after several steps, and evaluation with them") {
  if (no_gpu()) return;
  NetworkOptions options;
  options.seed = 7;
  options.max_batch = 4;
  options.optimizer.kind = OptimizerConfig::Kind::sgd;
  Pair p = build_pair(named({conv(6, 3, 3, 1, Padding::same), simple(LayerKind::batch_norm), dense(7),
                             simple(LayerKind::batch_norm), dense(5)}),
                      Shape{3, 8, 7}, 5, options, Precision::fp32_strict);
  parity::check_after_steps(p, random_batch(p.plan, 4, 13), 4, 4, kStrict);
}

TEST_CASE("gpu parity: dense without bias on a 4-d input (implicit flatten)") {
  if (no_gpu()) return;
  check_both_precisions({dense(6, Activation::none, false), dense(5)}, Shape{2, 3, 4});
}

namespace {

// A dropout kind followed by a dense layer, three steps of training on both backends: the output
// is bit-identical (x * scale is one float multiplication on both sides), and the input gradient
// close, with the dropped positions (exact zeros) identical: dy comes from the dense layer's GEMM,
// which sums in another order. Eval passes everything through.
void check_mask_parity(const LayerSpec& dropout, Shape input) {
  NetworkOptions options;
  options.seed = 0x1234'5678'9abcull;
  options.max_batch = 6;
  Pair p = build_pair(named({dropout, dense(5)}), input, 5, options, Precision::fp32_strict);
  const Batch batch = random_batch(p.plan, 6, 5);
  for (uint64_t step : {0ull, 1ull, 1ull << 33}) {
    p.reference->forward(batch.host(6), Phase::train, step);
    p.tested->forward(batch.host(6), Phase::train, step);
    CHECK(read_activation(*p.tested, 0, 6) == read_activation(*p.reference, 0, 6));
    p.reference->backward();
    p.tested->backward();
    const auto got = read_input_gradient(*p.tested, 6), want = read_input_gradient(*p.reference, 6);
    check_close(got, want, "input gradient", kStrict);
    size_t zero_mismatches = 0;
    for (size_t i = 0; i < got.size(); ++i) zero_mismatches += (got[i] == 0.0f) != (want[i] == 0.0f);
    CHECK(zero_mismatches == 0);
  }
  p.tested->forward(batch.host(6), Phase::eval, 9);
  CHECK(read_activation(*p.tested, 0, 6) == batch.images);
}

}  // namespace

TEST_CASE("gpu parity: dropout masks are bit-identical to the reference") {
  if (no_gpu()) return;
  check_mask_parity(simple(LayerKind::dropout, 0.3), Shape{3, 5, 7});
}

TEST_CASE("gpu parity: spatial_dropout drops the reference's channels bit for bit, forward and backward") {
  if (no_gpu()) return;
  // 5 channels of 9 x 7: 30 (sample, channel) units, so the last Philox block is partial.
  check_mask_parity(simple(LayerKind::spatial_dropout, 0.4), Shape{5, 9, 7});
}

}  // namespace expt::gpu_test
