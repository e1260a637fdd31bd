// Device memory: a batch that cannot fit is refused before anything is allocated, with a
// message a user can act on.
#include "cudnn_parity.hpp"

#include "core/error.hpp"

namespace expt::gpu_test {

TEST_CASE("gpu: a batch too large for the GPU names the layer, the bytes and a batch that fits") {
  if (no_gpu()) return;
  NetworkOptions options;
  // The input batch fits (512 MiB); the conv output does not (1 MiB per sample, 1 TiB in all).
  options.max_batch = int64_t{1} << 20;
  const NetworkPlan plan = plan_network(named({conv(4096, 3, 3, 1, Padding::same), dense(2)}), Shape{1, 8, 8}, 2);
  try {
    make_cudnn_backend()->build(plan, options);
    FAIL("building a network for 2^20 samples should have failed");
  } catch (const BackendError& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("out of GPU memory") != std::string::npos);
    CHECK(message.find("conv2d0") != std::string::npos);
    CHECK(message.find("GiB") != std::string::npos);
    CHECK(message.find("largest batch size that fits is about") != std::string::npos);
  }
}

TEST_CASE("gpu: memory_bytes counts what the network holds") {
  if (no_gpu()) return;
  NetworkOptions options;
  options.max_batch = 16;
  const NetworkPlan plan = plan_network(named({conv(8, 3, 3, 1, Padding::same), dense(4)}), Shape{3, 16, 16}, 4);
  auto net = make_cudnn_backend()->build(plan, options);
  // At least parameters, gradients, Adam's two states and the conv output for 16 samples.
  const int64_t lower_bound = (plan.parameter_count() * 4 + 16 * plan.layers[0].out.size()) * 4;
  CHECK(net->memory_bytes() >= lower_bound);
}

}  // namespace expt::gpu_test
