// Each path of expt's own kernels (core/vector_isa.hpp) against the scalar path or an exact
// reference, on every path this CPU has: dropout masks, dropout's scaling and the
// optimizer update must agree bit for bit; dense forward and backward-data sum in another order
// per path, so they must agree with a double-precision sum to float rounding, as must the
// factored weight gradient (the vector paths fuse its multiply-adds), whose Adam step inside the
// expansion must give the bits of the expansion followed by the update. Dense forward must also
// give the same bits on one thread as on all of them. The bf16 weight copy must round exactly. "[avx2]" and "[avx512_core]"
// cases say "skipped: needs ..." where the CPU or ONEDNN_MAX_CPU_ISA offers less.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "backends/onednn/dense_backward_data.hpp"
#include "backends/onednn/dense_forward.hpp"
#include "backends/onednn/bf16_weight_copy.hpp"
#include "backends/onednn/dropout_mask.hpp"
#include "backends/onednn/factored_weight_gradient.hpp"
#include "core/philox.hpp"
#include "cpu_requirements.hpp"
#include "optim/adam_scalars.hpp"
#include "optim/cpu_update.hpp"

namespace expt::onednn_test {

namespace {

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<float> value(0.0f, 1.0f);
  std::vector<float> out(n);
  for (float& x : out) x = value(random);
  return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void check_dropout_mask(VectorIsa isa) {
  const uint64_t seed = 0xFEDCBA9876543210ull;
  for (const float rate : {0.25f, 0.5f, 0.8f}) {
    const uint32_t threshold = philox::drop_threshold(rate);
    // Lengths around the vector steps (32 and 64 elements) and the per-thread work item (256).
    for (const int64_t n : {1, 3, 31, 32, 33, 63, 64, 65, 255, 256, 257, 1000, 100003}) {
      CAPTURE(rate);
      CAPTURE(n);
      std::vector<uint8_t> keep(static_cast<size_t>(n), 7);
      onednn::draw_keep_mask(isa, seed, 3, 0x1234567890ull, threshold, keep.data(), n);
      int64_t mismatched = 0;
      for (int64_t i = 0; i < n; ++i) {
        const philox::Block block = philox::dropout_block(seed, 3, 0x1234567890ull, static_cast<uint64_t>(i / 4));
        mismatched += keep[static_cast<size_t>(i)] != (block.v[i % 4] >= threshold ? 1 : 0);
      }
      CHECK(mismatched == 0);
    }
  }
}

// The mask drawn straight into a channel-blocked layout: each element's flag at its physical
// place, padding channels 0; channel counts that fill their last block or not, planes of one
// and of several work items (64 quads of pixels).
void check_blocked_dropout_mask(VectorIsa isa) {
  const uint64_t seed = 0x0123456789ABCDEFull, step = 77;
  const uint32_t threshold = philox::drop_threshold(0.5f);
  const int64_t lanes = isa == VectorIsa::avx512 ? 16 : 8;
  REQUIRE(onednn::blocked_keep_mask_fits(isa, lanes, 48));
  CHECK_FALSE(onednn::blocked_keep_mask_fits(isa, lanes, 49));
  for (const onednn::BlockedMaskShape shape : {onednn::BlockedMaskShape{2, 20, 48}, onednn::BlockedMaskShape{1, 16, 4},
                                               onednn::BlockedMaskShape{3, 8, 196}, onednn::BlockedMaskShape{1, 5, 1000}}) {
    CAPTURE(shape.n);
    CAPTURE(shape.c);
    CAPTURE(shape.spatial);
    const int64_t blocks = (shape.c + lanes - 1) / lanes;
    std::vector<uint8_t> mask(static_cast<size_t>(shape.n * blocks * shape.spatial * lanes), 7);
    onednn::draw_blocked_keep_mask(isa, seed, 5, step, threshold, mask.data(), shape);
    int64_t mismatched = 0;
    for (int64_t n = 0; n < shape.n; ++n)
      for (int64_t c = 0; c < blocks * lanes; ++c)
        for (int64_t s = 0; s < shape.spatial; ++s) {
          const int64_t logical = (n * shape.c + c) * shape.spatial + s;
          const bool kept = c < shape.c && philox::dropout_block(seed, 5, step, static_cast<uint64_t>(logical / 4))
                                                   .v[logical % 4] >= threshold;
          mismatched += mask[static_cast<size_t>(((n * blocks + c / lanes) * shape.spatial + s) * lanes + c % lanes)] !=
                        (kept ? 1 : 0);
        }
    CHECK(mismatched == 0);
  }
}

// In place (backward) and from one buffer into another (forward): the same bits as the scalar
// path's in-place scaling.
void check_scaling(VectorIsa isa) {
  const size_t n = 1003;  // vector bodies and a tail
  const auto count = static_cast<int64_t>(n);
  std::vector<uint8_t> mask(n);
  std::mt19937 random(4);
  for (uint8_t& m : mask) m = random() % 2;
  const std::vector<float> input = random_floats(n, 5);
  std::vector<float> want = input, in_place = input, copied(n, -1.0f);
  onednn::scale_kept(VectorIsa::scalar, want.data(), mask.data(), 1.25f, count);
  onednn::scale_kept(isa, in_place.data(), mask.data(), 1.25f, count);
  onednn::scale_kept(isa, input.data(), copied.data(), mask.data(), 1.25f, count);
  CHECK(same_bits(in_place, want));
  CHECK(same_bits(copied, want));
  std::vector<uint16_t> input_bf16(n);
  for (uint16_t& x : input_bf16) x = static_cast<uint16_t>(random());
  std::vector<uint16_t> want_bf16 = input_bf16, in_place_bf16 = input_bf16, copied_bf16(n, 0xFFFF);
  onednn::scale_kept(VectorIsa::scalar, want_bf16.data(), mask.data(), 1.25f, count);
  onednn::scale_kept(isa, in_place_bf16.data(), mask.data(), 1.25f, count);
  onednn::scale_kept(isa, input_bf16.data(), copied_bf16.data(), mask.data(), 1.25f, count);
  CHECK(in_place_bf16 == want_bf16);
  CHECK(copied_bf16 == want_bf16);
  CHECK(std::count(mask.begin(), mask.end(), 0) > 0);  // some dropped, so their zeros are checked too
}

void check_optimizer_update(VectorIsa isa) {
  for (const auto kind : {OptimizerConfig::Kind::sgd, OptimizerConfig::Kind::momentum, OptimizerConfig::Kind::adam,
                          OptimizerConfig::Kind::adamw})
    for (const bool nesterov : {false, true}) {
      CAPTURE(to_string(kind));
      CAPTURE(nesterov);
      OptimizerConfig config;
      config.kind = kind;
      config.weight_decay = 0.01;
      config.nesterov = nesterov;
      const size_t n = 1003;
      const std::vector<float> grad = random_floats(n, 6);
      std::vector<float> want = random_floats(n, 7), want_m = random_floats(n, 8), want_v(n, 0.5f);
      std::vector<float> got = want, got_m = want_m, got_v = want_v;
      for (uint64_t t = 1; t <= 3; ++t) {
        cpu_optimizer_update({&config, 0.01, t, VectorIsa::scalar}, want, grad, want_m, want_v);
        cpu_optimizer_update({&config, 0.01, t, isa}, got, grad, got_m, got_v);
      }
      CHECK(same_bits(got, want));
      CHECK(same_bits(got_m, want_m));
      CHECK(same_bits(got_v, want_v));
    }
}

// Weights {out, in} stored as dense_backward_data reads them: blocks of 16 inputs x out_block
// outputs, outputs innermost.
std::vector<float> blocked_weights(const std::vector<float>& canonical, int64_t out, int64_t in, int64_t out_block) {
  std::vector<float> blocked(canonical.size());
  for (int64_t o = 0; o < out; ++o)
    for (int64_t k = 0; k < in; ++k)
      blocked[static_cast<size_t>(((o / out_block) * (in / 16) + k / 16) * 16 * out_block + (k % 16) * out_block +
                                  o % out_block)] = canonical[static_cast<size_t>(o * in + k)];
  return blocked;
}

// Against the sum in double: the paths add 16 or 8 partial sums of out / 16 or out / 8 products
// each, then the partial sums in a tree, so each result is within about (out / 8 + 4) float
// roundings of the sum of the products' magnitudes; 1e-5 of it bounds that for out <= 512.
void check_dense_backward_data(VectorIsa isa) {
  const int64_t out = 128, in = 48;
  const std::vector<float> weights = random_floats(static_cast<size_t>(out * in), 9);
  for (const int64_t out_block : {int64_t{64}, out})  // AB16b64a, and ba (one block of all outputs)
    // Batches around the rows per pass (6 on AVX2, 12 on AVX-512).
    for (const int64_t n : {1, 5, 6, 7, 12, 13}) {
      CAPTURE(out_block);
      CAPTURE(n);
      const std::vector<float> diff_dst = random_floats(static_cast<size_t>(n * out), 10);
      const std::vector<float> blocked = blocked_weights(weights, out, in, out_block);
      std::vector<float> diff_src(static_cast<size_t>(n * in), -1.0f);
      onednn::dense_backward_data(isa, {diff_dst.data(), blocked.data(), diff_src.data(), n, out, in, out_block});
      int64_t far = 0;
      for (int64_t s = 0; s < n; ++s)
        for (int64_t k = 0; k < in; ++k) {
          double sum = 0, magnitude = 0;
          for (int64_t o = 0; o < out; ++o) {
            const double term = static_cast<double>(diff_dst[static_cast<size_t>(s * out + o)]) *
                                weights[static_cast<size_t>(o * in + k)];
            sum += term;
            magnitude += std::abs(term);
          }
          far += std::abs(diff_src[static_cast<size_t>(s * in + k)] - sum) > 1e-5 * magnitude;
        }
      CHECK(far == 0);
    }
}

// Against the sum in double, bias and ReLU applied after it: each output is summed in order over
// runs of at most 128 inputs, then the runs and the spans of 2048 inputs in order, within about
// 170 float roundings of the sum of the products' magnitudes for these sizes; 1e-5 of it bounds
// that. 4144 inputs make three spans (so that their order shows), the last a part of a run. Then
// the same call on one thread: the same bits.
void check_dense_forward(VectorIsa isa) {
  const int64_t out = 128, in = 4144;
  const std::vector<float> weights = random_floats(static_cast<size_t>(out * in), 12);
  const std::vector<float> bias = random_floats(static_cast<size_t>(out), 13);
  for (const int64_t out_block : {int64_t{64}, out})  // AB16b64a, and ba (one block of all outputs)
    // Batches around the rows per group (6 on both paths).
    for (const int64_t n : {1, 5, 6, 7, 12, 13})
      for (const bool with_bias_and_relu : {false, true}) {
        CAPTURE(out_block);
        CAPTURE(n);
        CAPTURE(with_bias_and_relu);
        const std::vector<float> src = random_floats(static_cast<size_t>(n * in), 14);
        const std::vector<float> blocked = blocked_weights(weights, out, in, out_block);
        std::vector<float> dst(static_cast<size_t>(n * out), -1.0f), one_thread(dst.size(), -2.0f);
        onednn::DenseForward into{src.data(), blocked.data(), with_bias_and_relu ? bias.data() : nullptr,
                                  with_bias_and_relu, dst.data(), n, out, in, out_block};
        onednn::dense_forward(isa, into);
        int64_t far = 0;
        for (int64_t s = 0; s < n; ++s)
          for (int64_t o = 0; o < out; ++o) {
            double sum = with_bias_and_relu ? bias[static_cast<size_t>(o)] : 0.0, magnitude = std::abs(sum);
            for (int64_t k = 0; k < in; ++k) {
              const double term =
                  static_cast<double>(src[static_cast<size_t>(s * in + k)]) * weights[static_cast<size_t>(o * in + k)];
              sum += term;
              magnitude += std::abs(term);
            }
            const double want = with_bias_and_relu ? std::max(sum, 0.0) : sum;
            far += std::abs(dst[static_cast<size_t>(s * out + o)] - want) > 1e-5 * magnitude;
          }
        CHECK(far == 0);
        const int threads = omp_get_max_threads();
        omp_set_num_threads(1);
        into.dst = one_thread.data();
        onednn::dense_forward(isa, into);
        omp_set_num_threads(threads);
        CHECK(same_bits(one_thread, dst));
      }
}

// dW = dY^T X expanded in tiles of the blocked layout, and as a plain matrix: both within float
// rounding of the sum in double, and the same bits as each other.
void check_factored_gradient(VectorIsa isa) {
  const int64_t out = 128, in = 48, n = 5;
  const std::vector<float> input = random_floats(static_cast<size_t>(n * in), 11);
  const std::vector<float> diff_dst = random_floats(static_cast<size_t>(n * out), 12);
  for (const int64_t out_block : {int64_t{64}, out}) {
    CAPTURE(out_block);
    onednn::FactoredWeightGradient gradient(out, in, out_block, n, isa);
    std::vector<float> blocked(static_cast<size_t>(out * in), -1.0f);
    gradient.expand(0, out * in, blocked.data());
    CHECK(std::all_of(blocked.begin(), blocked.end(), [](float g) { return g == 0.0f; }));  // nothing captured
    gradient.capture(input.data(), diff_dst.data(), n);
    for (int64_t begin = 0; begin < out * in; begin += 3 * out_block)  // tiles of three rows, and a shorter last one
      gradient.expand(begin, std::min(3 * out_block, out * in - begin), blocked.data() + begin);
    std::vector<float> plain(static_cast<size_t>(out * in), -1.0f);
    gradient.expand_plain(plain.data());
    CHECK(same_bits(blocked_weights(plain, out, in, out_block), blocked));
    int64_t far = 0;
    for (int64_t o = 0; o < out; ++o)
      for (int64_t k = 0; k < in; ++k) {
        double sum = 0, magnitude = 0;
        for (int64_t s = 0; s < n; ++s) {
          const double term = static_cast<double>(diff_dst[static_cast<size_t>(s * out + o)]) * input[static_cast<size_t>(s * in + k)];
          sum += term;
          magnitude += std::abs(term);
        }
        far += std::abs(plain[static_cast<size_t>(o * in + k)] - sum) > 1e-6 * magnitude;
      }
    CHECK(far == 0);
  }
}

// Adam's and AdamW's step inside the expansion (update_adam): the same bits as expanding the
// gradient and then updating with it, over three steps, in tiles of three rows and a shorter last
// one. The scalar path has no such form and says so.
void check_factored_adam(VectorIsa isa) {
  const int64_t out = 128, in = 48, n = 5, out_block = 64;
  onednn::FactoredWeightGradient gradient(out, in, out_block, n, isa);
  gradient.capture(random_floats(static_cast<size_t>(n * in), 11).data(),
                   random_floats(static_cast<size_t>(n * out), 12).data(), n);
  for (const auto kind : {OptimizerConfig::Kind::adam, OptimizerConfig::Kind::adamw}) {
    CAPTURE(to_string(kind));
    OptimizerConfig config;
    config.kind = kind;
    config.weight_decay = 0.01;
    const auto size = static_cast<size_t>(out * in);
    std::vector<float> want = random_floats(size, 7), want_m = random_floats(size, 8), want_v(size, 0.5f);
    std::vector<float> got = want, got_m = want_m, got_v = want_v, tile(size);
    for (uint64_t t = 1; t <= 3; ++t)
      for (int64_t begin = 0; begin < out * in; begin += 3 * out_block) {
        const int64_t count = std::min(3 * out_block, out * in - begin);
        const auto range = [&](std::vector<float>& v) { return std::span<float>(v.data() + begin, static_cast<size_t>(count)); };
        gradient.expand(begin, count, tile.data());
        cpu_optimizer_update({&config, 0.01, t, VectorIsa::scalar}, range(want),
                             std::span<const float>(tile.data(), static_cast<size_t>(count)), range(want_m), range(want_v));
        const std::optional<float> decay =
            kind == OptimizerConfig::Kind::adamw ? std::optional<float>(decoupled_decay_factor(config, 0.01)) : std::nullopt;
        const bool fused = gradient.update_adam(adam_scalars(config, 0.01, t), decay, begin, count, got.data() + begin,
                                                got_m.data() + begin, got_v.data() + begin);
        REQUIRE(fused == (isa != VectorIsa::scalar));
        if (!fused) return;
      }
    CHECK(same_bits(got, want));
    CHECK(same_bits(got_m, want_m));
    CHECK(same_bits(got_v, want_v));
  }
}

// The bf16 copy of AB16b64a weights in AB8b64a2b: each value rounded to nearest even (ties
// included), NaN kept a NaN, at the interleaved place of its pair of inputs.
void check_bf16_pairs(VectorIsa isa) {
  const int64_t out = 128, in = 32;  // 2 x 2 blocks of 16 inputs x 64 outputs
  std::vector<float> master = random_floats(static_cast<size_t>(out * in), 13);
  const auto from_bits = [](uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  };
  master[0] = from_bits(0x3F808000u);  // a tie, rounds to the even 0x3F80
  master[1] = from_bits(0x3F818000u);  // a tie, rounds up to the even 0x3F82
  master[2] = from_bits(0x7F800001u);  // a NaN whose payload lies in the low half
  master[3] = from_bits(0x7F800000u);  // infinity
  std::vector<uint16_t> copy(master.size(), 0xFFFF);
  onednn::write_bf16_pairs(isa, master.data(), copy.data(), 0, out * in);
  const auto bf16 = [](float f) {  // round to nearest even, written out case by case
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);
    const uint32_t low = bits & 0xFFFFu, high = bits >> 16;
    return static_cast<uint16_t>(high + (low > 0x8000u || (low == 0x8000u && (high & 1u)) ? 1u : 0u));
  };
  int64_t wrong = 0;
  for (int64_t block = 0; block < out * in / 1024; ++block)
    for (int64_t k = 0; k < 16; ++k)
      for (int64_t o = 0; o < 64; ++o) {
        const float value = master[static_cast<size_t>(block * 1024 + k * 64 + o)];
        wrong += copy[static_cast<size_t>(block * 1024 + (k / 2) * 128 + o * 2 + k % 2)] != bf16(value);
      }
  CHECK(wrong == 0);
  CHECK(copy[0] == 0x3F80);
  CHECK(copy[2] == 0x3F82);
  CHECK((copy[4] & 0x7FC0) == 0x7FC0);  // still a NaN
  CHECK(copy[6] == 0x7F80);
}

void check_path(VectorIsa isa) {
  if (const std::string why = kernel_path_missing(isa); !why.empty()) {
    MESSAGE(why);
    return;
  }
  SUBCASE("dropout mask") { check_dropout_mask(isa); }
  SUBCASE("dropout's scaling") { check_scaling(isa); }
  SUBCASE("optimizer update") { check_optimizer_update(isa); }
  SUBCASE("factored weight gradient") { check_factored_gradient(isa); }
  SUBCASE("Adam inside the factored gradient's expansion") { check_factored_adam(isa); }
  SUBCASE("bf16 weight copy") { check_bf16_pairs(isa); }
  if (isa != VectorIsa::scalar) {
    SUBCASE("dense forward") { check_dense_forward(isa); }
    SUBCASE("dense backward-data") { check_dense_backward_data(isa); }
    SUBCASE("dropout mask in blocked order") { check_blocked_dropout_mask(isa); }
  }
}

}  // namespace

TEST_CASE("expt's kernels on the scalar path") { check_path(VectorIsa::scalar); }

TEST_CASE("[avx2] expt's kernels on the AVX2 path agree with the scalar path") { check_path(VectorIsa::avx2); }

TEST_CASE("[avx512_core] expt's kernels on the AVX-512 path agree with the scalar path") {
  check_path(VectorIsa::avx512);
}

TEST_CASE("the weight layouts dense backward-data reads") {
  using tag = dnnl::memory::format_tag;
  const auto desc = [](dnnl::memory::dims dims, tag t) {
    return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, t);
  };
  CHECK(onednn::dense_weights_out_block(desc({128, 48}, tag::AB16b64a)) == 64);
  CHECK(onednn::dense_weights_out_block(desc({512, 3136}, tag::ba)) == 512);
  CHECK(onednn::dense_weights_out_block(desc({512, 3136}, tag::ab)) == 0);
  CHECK(onednn::dense_weights_out_block(desc({96, 48}, tag::ba)) == 0);  // not whole 64-output chunks
  CHECK(onednn::dense_weights_out_block(desc({128, 40}, tag::ba)) == 0);  // not whole 16-input blocks
}

}  // namespace expt::onednn_test
