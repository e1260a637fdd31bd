// Every layer kind, forward and backward, against the reference backend: the layer under test
// followed by the dense logits layer, on small shapes with odd sizes, stride 2, valid and same.
#include <fmt/format.h>

#include "backends/onednn/cpu_isa.hpp"
#include "backends/onednn/introspection.hpp"
#include "parity.hpp"

namespace expt::onednn_test {

namespace {

void check_single_layer(const LayerSpec& layer, Shape input, int64_t n = 3, Precision precision = Precision::fp32) {
  NetworkOptions options = sgd_options(n);
  options.precision = precision;
  Pair p = build_pair(named({layer, dense(5)}), input, 5, options);
  const Batch batch = random_batch(p.plan, n, 11);
  check_forward_backward(p, batch, n, 0);
}

}  // namespace

TEST_CASE("conv2d parity: same and valid, stride 1 and 2, odd sizes, bias and fused relu") {
  for (Padding padding : {Padding::same, Padding::valid})
    for (int64_t stride : {1, 2})
      for (int64_t k : {1, 3, 4}) {
        CAPTURE(to_string(padding));
        CAPTURE(stride);
        CAPTURE(k);
        check_single_layer(conv(7, k, stride, padding), Shape{3, 9, 11});
        check_single_layer(conv(20, k, stride, padding, Activation::relu), Shape{17, 8, 7});
      }
  SUBCASE("without bias, blocked channel counts") {
    check_single_layer(conv(32, 3, 1, Padding::same, Activation::relu, false), Shape{16, 10, 10});
  }
  SUBCASE("whole 16-channel blocks: Winograd in fp32, direct in fp32_strict, both within the fp32 tolerance") {
    for (const Precision precision : {Precision::fp32, Precision::fp32_strict}) {
      CAPTURE(precision);
      check_single_layer(conv(32, 3, 1, Padding::same, Activation::relu), Shape{32, 56, 56}, 10, precision);
    }
  }
  SUBCASE("non-square kernel and stride") {
    LayerSpec c = conv(8, 3, 1, Padding::same);
    c.kernel_w = 5;
    c.stride_h = 2;
    check_single_layer(c, Shape{5, 9, 12});
  }
}

TEST_CASE("max_pool and avg_pool parity: same (TensorFlow padding) and valid, odd sizes") {
  for (LayerKind kind : {LayerKind::max_pool, LayerKind::avg_pool})
    for (Padding padding : {Padding::same, Padding::valid}) {
      CAPTURE(to_string(kind));
      CAPTURE(to_string(padding));
      check_single_layer(pool(kind, 2, 2, 2, 2, padding), Shape{3, 9, 7});
      check_single_layer(pool(kind, 3, 3, 2, 2, padding), Shape{4, 10, 11});
      check_single_layer(pool(kind, 3, 2, 1, 2, padding), Shape{2, 6, 5});
    }
}

TEST_CASE("pooling on a blocked input parity") {
  for (LayerKind kind : {LayerKind::max_pool, LayerKind::avg_pool}) {
    CAPTURE(to_string(kind));
    Pair p = build_pair(
        named({conv(20, 3, 1, Padding::same, Activation::relu), pool(kind, 3, 3, 2, 2, Padding::same), dense(4)}),
        Shape{3, 9, 9}, 4, sgd_options(2));
    check_forward_backward(p, random_batch(p.plan, 2, 5), 2, 0);
  }
}

TEST_CASE("relu, flatten and dense parity, on plain and blocked inputs") {
  check_single_layer(simple(LayerKind::relu), Shape{3, 5, 7});
  check_single_layer(simple(LayerKind::flatten), Shape{3, 5, 7});
  check_single_layer(dense(9, Activation::relu), Shape{3, 5, 7});
  check_single_layer(dense(6, Activation::none, false), Shape{1, 1, 13});
  // Blocked conv outputs (20 channels pad to 32) into relu, flatten and dense: the dense weights
  // are stored permuted like the blocked input and read back in PyTorch's [out, C*H*W] order.
  for (LayerKind middle : {LayerKind::relu, LayerKind::flatten, LayerKind::dropout}) {
    CAPTURE(to_string(middle));
    Pair p =
        build_pair(named({conv(20, 3, 2, Padding::same), simple(middle, 0.3), dense(8, Activation::relu), dense(3)}),
                   Shape{3, 7, 9}, 3, sgd_options(4));
    check_forward_backward(p, random_batch(p.plan, 4, 21), 4, 5);
  }
}

// Dense layers of 64k outputs over 16k inputs run expt's own forward and backward-data where its
// kernels take a vector path, oneDNN's elsewhere (src/backends/onednn/dense_forward.hpp,
// dense_backward_data.hpp); a conv before them checks the backward-data through the conv's
// gradients. 13 samples: groups of 6, 6 and 1 rows in the forward, passes of 12 and 1 rows
// (AVX-512) or 6, 6 and 1 (AVX2) in backward-data. 2304 inputs make two spans of the forward's
// sums; the last layer without bias or activation.
TEST_CASE("dense parity: wide layers with expt's own forward and backward-data") {
  struct Case {
    int64_t units, side;
    Activation activation;
    bool bias;
  };
  for (const Case c : {Case{64, 4, Activation::relu, true}, Case{128, 4, Activation::relu, true},
                       Case{64, 12, Activation::none, false}})
    for (int64_t n : {3, 13}) {
      CAPTURE(c.units);
      CAPTURE(c.side);
      CAPTURE(n);
      Pair p = build_pair(named({conv(16, 3, 1, Padding::same, Activation::relu), dense(c.units, c.activation, c.bias),
                                 dense(5)}),
                          Shape{3, c.side, c.side}, 5, sgd_options(n));
      const std::string expt_kernel = fmt::format("expt:{}", name_of(vector_isa_names, onednn::kernel_isa()));
      int own = 0;
      for (const auto& info : onednn::primitive_implementations(*p.tested))
        own += info.layer == p.plan.layers[1].spec.name && info.implementation == expt_kernel &&
               (info.primitive == "inner product forward" || info.primitive == "inner product backward data");
      CHECK(own == (onednn::kernel_isa() != VectorIsa::scalar ? 2 : 0));
      check_forward_backward(p, random_batch(p.plan, n, 23), n, 3);
    }
}

TEST_CASE("activation layers parity, on plain and blocked inputs") {
  for (const ActivationCase& a : activation_cases) {
    CAPTURE(to_string(a.layer));
    check_single_layer(activation_layer(a), Shape{3, 5, 7});
    // After a conv with 20 channels the tensor is blocked (nChw16c, padded).
    Pair p = build_pair(named({conv(20, 3, 2, Padding::same), activation_layer(a), dense(3)}), Shape{3, 7, 9}, 3,
                        sgd_options(4));
    check_forward_backward(p, random_batch(p.plan, 4, 21), 4, 5);
  }
}

TEST_CASE("activations fused into conv2d and dense parity: post-ops, and gelu and silu after them") {
  for (const ActivationCase& a : activation_cases)
    for (const Precision precision : {Precision::fp32, Precision::fp32_strict}) {
      CAPTURE(to_string(a.layer));
      CAPTURE(precision);
      check_single_layer(fusing(conv(20, 3, 1, Padding::same), a), Shape{3, 8, 7}, 3, precision);
      check_single_layer(fusing(dense(9), a), Shape{3, 5, 7}, 3, precision);
    }
}

TEST_CASE("global_avg_pool parity, on plain and blocked inputs") {
  check_single_layer(simple(LayerKind::global_avg_pool), Shape{3, 5, 7});
  Pair p = build_pair(named({conv(20, 3, 1, Padding::same, Activation::relu), simple(LayerKind::global_avg_pool),
                             dense(4)}),
                      Shape{3, 9, 9}, 4, sgd_options(2));
  check_forward_backward(p, random_batch(p.plan, 2, 5), 2, 0);
}

TEST_CASE("batch_norm parity: per channel on plain and blocked inputs, per unit after dense") {
  for (const Precision precision : {Precision::fp32, Precision::fp32_strict}) {
    CAPTURE(precision);
    check_single_layer(simple(LayerKind::batch_norm), Shape{3, 5, 7}, 3, precision);
    NetworkOptions options = sgd_options(4);
    options.precision = precision;
    // After a conv with 20 channels the tensor is blocked (nChw16c, padded).
    Pair p = build_pair(named({conv(20, 3, 2, Padding::same), simple(LayerKind::batch_norm), dense(3)}),
                        Shape{3, 7, 9}, 3, options);
    check_forward_backward(p, random_batch(p.plan, 4, 21), 4, 5);
    Pair d = build_pair(named({dense(9), simple(LayerKind::batch_norm), dense(3)}), Shape{3, 5, 7}, 3, options);
    check_forward_backward(d, random_batch(d.plan, 4, 22), 4, 5);
  }
}

TEST_CASE("batch_norm parity after several steps: running statistics, counter, and evaluation with them") {
  Pair p = build_pair(named({conv(20, 3, 1, Padding::same), simple(LayerKind::batch_norm), simple(LayerKind::relu),
                             dense(6), simple(LayerKind::batch_norm), dense(3)}),
                      Shape{3, 6, 5}, 3, sgd_options(4));
  parity::check_after_steps(p, random_batch(p.plan, 4, 31), 4, 4, Tolerance{kRel, kAbs});
}

TEST_CASE("dropout keeps exactly the reference's elements, on plain and blocked layouts") {
  for (double rate : {0.1, 0.5, 0.9}) {
    CAPTURE(rate);
    check_single_layer(simple(LayerKind::dropout, rate), Shape{3, 5, 7});
    // After a conv with 24 channels the tensor is blocked (nChw16c, padded): the mask must still
    // follow the logical NCHW index.
    Pair p = build_pair(named({conv(24, 3, 1, Padding::same), simple(LayerKind::dropout, rate), dense(3)}),
                        Shape{2, 5, 6}, 3, sgd_options(3, 1234));
    const Batch batch = random_batch(p.plan, 3, 3);
    for (uint64_t step : {0u, 1u, 77u}) {
      CAPTURE(step);
      p.reference->forward(batch.host(3), Phase::train, step);
      p.tested->forward(batch.host(3), Phase::train, step);
      const auto want = read_activation(*p.reference, 1, 3);
      const auto got = read_activation(*p.tested, 1, 3);
      const auto conv_out = read_activation(*p.reference, 0, 3);
      size_t mismatched = 0;
      for (size_t i = 0; i < want.size(); ++i)
        if (conv_out[i] != 0.0f && (want[i] == 0.0f) != (got[i] == 0.0f)) ++mismatched;
      CHECK(mismatched == 0);
      check_close(got, want, "dropout output");
    }
    p.tested->forward(batch.host(3), Phase::eval, 0);
    check_close(read_activation(*p.tested, 1, 3), read_activation(*p.tested, 0, 3), "eval dropout is the identity");
  }
}

// Each (sample, channel) plane of `out` is all zeros or all kept; returns the zero planes' flags.
std::vector<bool> dropped_planes(const std::vector<float>& out, const std::vector<float>& in, int64_t plane) {
  std::vector<bool> dropped;
  for (size_t first = 0; first < out.size(); first += static_cast<size_t>(plane)) {
    bool all_zero = true, any_zero_of_nonzero = false;
    for (size_t i = first; i < first + static_cast<size_t>(plane); ++i) {
      all_zero = all_zero && out[i] == 0.0f;
      any_zero_of_nonzero = any_zero_of_nonzero || (out[i] == 0.0f && in[i] != 0.0f);
    }
    CHECK(all_zero == any_zero_of_nonzero);  // a plane is dropped whole or not at all
    dropped.push_back(all_zero);
  }
  return dropped;
}

TEST_CASE("spatial_dropout drops exactly the reference's channels, on plain and blocked layouts, fp32 and strict") {
  for (const Precision precision : {Precision::fp32, Precision::fp32_strict})
    for (double rate : {0.1, 0.5, 0.9}) {
      CAPTURE(precision);
      CAPTURE(rate);
      check_single_layer(simple(LayerKind::spatial_dropout, rate), Shape{3, 5, 7}, 3, precision);
      // 24 channels after a conv: blocked (nChw16c, padded), and 6 x 5 planes.
      NetworkOptions options = sgd_options(3, 1234);
      options.precision = precision;
      Pair p = build_pair(named({conv(24, 3, 2, Padding::same), simple(LayerKind::spatial_dropout, rate), dense(3)}),
                          Shape{2, 11, 9}, 3, options);
      const Batch batch = random_batch(p.plan, 3, 3);
      for (uint64_t step : {0u, 1u, 77u}) {
        CAPTURE(step);
        check_forward_backward(p, batch, 3, step);
        const auto conv_out = read_activation(*p.reference, 0, 3);
        const auto want = dropped_planes(read_activation(*p.reference, 1, 3), conv_out, 6 * 5);
        const auto got = dropped_planes(read_activation(*p.tested, 1, 3), conv_out, 6 * 5);
        CHECK(got == want);
        if (rate == 0.5) CHECK(std::count(want.begin(), want.end(), true) > 0);
      }
      p.tested->forward(batch.host(3), Phase::eval, 0);
      check_close(read_activation(*p.tested, 1, 3), read_activation(*p.tested, 0, 3),
                  "eval spatial_dropout is the identity");
    }
}

TEST_CASE("batches smaller than max_batch use their own primitives and the same parameters") {
  Pair p = build_pair(
      named({conv(16, 3, 1, Padding::same, Activation::relu), pool(LayerKind::max_pool, 2, 2, 2, 2, Padding::same),
             simple(LayerKind::dropout, 0.25), dense(10, Activation::relu), dense(4)}),
      Shape{3, 8, 8}, 4, sgd_options(6));
  for (int64_t n : {6, 1, 5, 6}) {
    CAPTURE(n);
    check_forward_backward(p, random_batch(p.plan, n, static_cast<uint64_t>(n)), n, static_cast<uint64_t>(n));
  }
}

}  // namespace expt::onednn_test
