// The wide dense layer's kernels alone (src/backends/onednn/dense_*.hpp, deferred_adam.hpp), on
// the seed network's fc1: 512 outputs of 200704 inputs, batch 10, weights in AB16b64a. Per pass,
// the median and the best of N calls, in ms and in GB/s of the bytes each must move at least:
//   forward            reads the weights (411 MB);
//   backward-data      reads the weights;
//   Adam               Adam's step from the gradient's factors: reads and writes the weights and
//                      both moments (2.47 GB);
//   forward with Adam  the forward taking the pending step, as a training step runs it.
// docs/onednn-notes.md §12, §24 and §26 describe the kernels. Every array starts on a cache line,
// as the network's do.
//
//   build/bench/dense_kernels [avx2|avx512] [calls]
#include <fmt/core.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "backends/onednn/deferred_adam.hpp"
#include "backends/onednn/dense_backward_data.hpp"
#include "backends/onednn/dense_forward.hpp"
#include "backends/onednn/factored_weight_gradient.hpp"
#include "backends/onednn/line_aligned.hpp"
#include "core/vector_isa.hpp"
#include "kernel_bench_args.hpp"

namespace {

namespace onednn = expt::onednn;

struct Times {
  double median, best;
};

template <class Call>
Times time_calls(int calls, Call call) {
  std::vector<double> ms;
  for (int i = 0; i < calls; ++i) {
    const auto start = std::chrono::steady_clock::now();
    call();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front()};
}

// n floats in `store` from a cache line on, normal with the given scale (0: zeros).
float* line_aligned_floats(std::vector<float>& store, int64_t n, uint32_t seed, float scale) {
  float* out = onednn::line_aligned(store, n);
  std::mt19937 random(seed);
  std::normal_distribution<float> value(0.0f, scale > 0 ? scale : 1.0f);
  for (int64_t i = 0; i < n; ++i) out[i] = scale > 0 ? value(random) : 0.0f;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = parse_kernel_bench_args(argc, argv, "dense_kernels");
  if (!args) return 2;
  const expt::VectorIsa isa = args->isa;
  const int calls = args->calls;
  constexpr int64_t n = 10, out = 512, in = 200704, out_block = 64;
  std::vector<float> stores[8];
  const float* input = line_aligned_floats(stores[0], n * in, 1, 1.0f);
  const float* diff_dst = line_aligned_floats(stores[1], n * out, 2, 1e-3f);
  const float* bias = line_aligned_floats(stores[2], out, 3, 0.1f);
  float* weights = line_aligned_floats(stores[3], out * in, 4, 0.01f);
  float* first_moment = line_aligned_floats(stores[4], out * in, 0, 0.0f);
  float* second_moment = line_aligned_floats(stores[5], out * in, 0, 0.0f);
  float* dst = line_aligned_floats(stores[6], n * out, 0, 0.0f);
  float* diff_src = line_aligned_floats(stores[7], n * in, 0, 0.0f);

  onednn::FactoredWeightGradient gradient(out, in, out_block, n, isa);
  gradient.capture(input, diff_dst, n);
  onednn::DeferredAdam step(gradient, out, in, weights, first_moment, second_moment, true);
  // The seed config's Adam (lr 1e-5, otherwise the defaults) at its 10th step.
  expt::OptimizerConfig adam;
  adam.learning_rate = 1e-5;
  const expt::AdamScalars scalars = expt::adam_scalars(adam, adam.learning_rate, 10);
  const onednn::DenseForward forward{input, weights, bias, true, dst, n, out, in, out_block};
  onednn::DenseForward forward_with_step = forward;
  forward_with_step.deferred_step = &step;

  fmt::print("fc1: {} x {} at batch {}, path {}, {} threads, {} calls each\n", out, in, n,
             expt::name_of(expt::vector_isa_names, isa), omp_get_max_threads(), calls);
  fmt::print("{:<18} {:>10} {:>10} {:>13}\n", "pass", "median ms", "best ms", "GB/s (median)");
  const double weight_gb = 4.0 * out * in / 1e9;
  const auto row = [&](const char* name, double gb, Times t) {
    fmt::print("{:<18} {:>10.2f} {:>10.2f} {:>13.1f}\n", name, t.median, t.best, gb / t.median * 1e3);
  };
  row("forward", weight_gb, time_calls(calls, [&] { onednn::dense_forward(isa, forward); }));
  row("backward-data", weight_gb, time_calls(calls, [&] {
        onednn::dense_backward_data(isa, {diff_dst, weights, diff_src, n, out, in, out_block});
      }));
  row("Adam", 6 * weight_gb, time_calls(calls, [&] {
        step.defer(scalars, std::nullopt);
        step.settle();
      }));
  row("forward with Adam", 6 * weight_gb, time_calls(calls, [&] {
        step.defer(scalars, std::nullopt);
        onednn::dense_forward(isa, forward_with_step);
        step.taken();
      }));
}
