#pragma once
// A stand-in Network for the observer tests: parameters, gradients and activations are
// deterministic patterns of (index, step), and every forward() is recorded, so a test can
// tell exactly what the observer read and when it ran the network.
#include <vector>

#include "backends/backend.hpp"

namespace expt::test {

// conv1 (4 filters 3x3, relu) -> pool1 -> conv2 (2 filters 3x3) -> flatten -> drop -> fc (3),
// on 3x8x8 inputs.
NetworkPlan small_plan();

struct ForwardCall {
  int64_t n;
  Phase phase;
  uint64_t step;
  float first_pixel;
};

class FakeNetwork final : public Network {
 public:
  explicit FakeNetwork(NetworkPlan plan) : Network(std::move(plan), {}) {}

  // Changes every parameter and gradient, as a training step would.
  void advance(uint64_t step) { step_ = step; }

  BatchMetrics forward(const HostBatch& batch, Phase phase, uint64_t step) override;
  void backward() override {}
  void update(double, uint64_t) override {}
  // Parameters, gradients and activations read as made-up values that vary by index and step.
  void read(const TensorRef& tensor, std::span<float> out) const override;
  void write(const TensorRef&, std::span<const float>) override {}
  int64_t memory_bytes() const override { return 0; }

  std::vector<ForwardCall> forwards;

 private:
  uint64_t step_ = 0;
};

}  // namespace expt::test
