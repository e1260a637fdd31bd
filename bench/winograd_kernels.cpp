// The Winograd kernel alone (src/backends/onednn/winograd_conv.hpp), on the shapes of the
// shipped configs' 3x3 convolutions: the best of N calls of each direction, in ms and in
// direct-equivalent GFLOP/s, on the OpenMP threads. docs/onednn-notes.md §20 quotes it.
//
//   build/bench/winograd_kernels [avx2|avx512] [calls]
//
// Data are random, in the path's blocked layout; the weights' transform is timed with the
// convolution, as each training step pays it. Backward-data applies the input's ReLU backward,
// gated by the (random) input, where the shipped network's layer reads a convolution's ReLU.
#include <fmt/core.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "backends/onednn/winograd_conv.hpp"
#include "core/vector_isa.hpp"
#include "kernel_bench_args.hpp"

namespace {

using expt::onednn::WinogradShape;

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

template <class Call>
double best_of(int calls, Call call) {
  double best = 1e30;
  for (int i = 0; i < calls; ++i) {
    const auto start = std::chrono::steady_clock::now();
    call();
    best = std::min(best, milliseconds_since(start));
  }
  return best;
}

std::vector<float> random_floats(int64_t n, uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<float> value(0.0f, 1.0f);
  std::vector<float> out(static_cast<size_t>(n));
  for (float& x : out) x = value(random);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = parse_kernel_bench_args(argc, argv, "winograd_kernels");
  if (!args) return 2;
  const expt::VectorIsa isa = args->isa;
  const int calls = args->calls;
  fmt::print("path {}, {} threads, best of {} calls\n", expt::name_of(expt::vector_isa_names, isa),
             omp_get_max_threads(), calls);
  fmt::print("{:>5} {:>9} {:>5}  {:>18} {:>18} {:>18}\n", "batch", "channels", "image", "forward ms (GF/s)",
             "bwd-data ms (GF/s)", "bwd-wts ms (GF/s)");
  struct Layer {
    int64_t n, in, out, side;
    bool reads_relu;  // its input is a convolution's ReLU output, whose backward its backward-data applies
  };
  // The seed network's conv2-4, Fashion-MNIST's conv1_2 and conv2_2, the ResNet's last stage.
  for (const Layer l : {Layer{10, 32, 32, 224, true}, Layer{10, 32, 64, 112, false}, Layer{10, 64, 64, 112, true},
                        Layer{100, 32, 32, 28, true}, Layer{100, 64, 64, 14, true}, Layer{128, 64, 64, 7, false}}) {
    const WinogradShape forward{l.n, l.in, l.out, l.side, l.side}, backward{l.n, l.out, l.in, l.side, l.side};
    const std::vector<float> src = random_floats(l.n * l.in * l.side * l.side, 1);
    const std::vector<float> diff_dst = random_floats(l.n * l.out * l.side * l.side, 2);
    const std::vector<float> weights = random_floats(l.out * l.in * 9, 3), bias = random_floats(l.out, 4);
    std::vector<float> dst(diff_dst.size()), diff_src(src.size()), weight_grad(weights.size()), bias_grad(bias.size());
    std::vector<float> transformed(static_cast<size_t>(expt::onednn::winograd_weights_floats(l.in, l.out)));
    std::vector<int64_t> offsets(weights.size());
    for (size_t i = 0; i < offsets.size(); ++i) offsets[i] = static_cast<int64_t>(i);
    const double forward_ms = best_of(calls, [&] {
      expt::onednn::winograd_weights(l.out, l.in, weights.data(), offsets, false, transformed.data());
      expt::onednn::winograd_convolution(isa, forward, src.data(), transformed.data(), bias.data(), true, nullptr,
                                         dst.data());
    });
    const double data_ms = best_of(calls, [&] {
      expt::onednn::winograd_weights(l.out, l.in, weights.data(), offsets, true, transformed.data());
      expt::onednn::winograd_convolution(isa, backward, diff_dst.data(), transformed.data(), nullptr, false,
                                         l.reads_relu ? src.data() : nullptr, diff_src.data());
    });
    const double weights_ms = best_of(calls, [&] {
      expt::onednn::winograd_weight_gradient(isa, forward, src.data(), diff_dst.data(), offsets, weight_grad.data(),
                                             bias_grad.data());
    });
    const double gflop = 2.0 * 9 * static_cast<double>(l.n * l.in * l.out * l.side * l.side) / 1e9;
    const auto cell = [&](double ms) { return fmt::format("{:.2f} ({:.0f})", ms, gflop / ms * 1e3); };
    fmt::print("{:>5} {:>9} {:>5}  {:>18} {:>18} {:>18}\n", l.n, fmt::format("{}-{}", l.in, l.out), l.side,
               cell(forward_ms), cell(data_ms), cell(weights_ms));
  }
}
