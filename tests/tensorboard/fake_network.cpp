#include "fake_network.hpp"

#include <cmath>

namespace expt::test {

NetworkPlan small_plan() {
  LayerSpec conv1{.kind = LayerKind::conv2d, .name = "conv1", .filters = 4, .kernel_h = 3, .kernel_w = 3,
                  .activation = Activation::relu};
  LayerSpec pool1{.kind = LayerKind::max_pool, .name = "pool1", .kernel_h = 2, .kernel_w = 2, .stride_h = 2, .stride_w = 2};
  LayerSpec conv2{.kind = LayerKind::conv2d, .name = "conv2", .filters = 2, .kernel_h = 3, .kernel_w = 3};
  LayerSpec flatten{.kind = LayerKind::flatten, .name = "flatten"};
  LayerSpec drop{.kind = LayerKind::dropout, .name = "drop", .rate = 0.5};
  LayerSpec fc{.kind = LayerKind::dense, .name = "fc", .units = 3};
  return plan_network({conv1, pool1, conv2, flatten, drop, fc}, Shape{3, 8, 8}, 3);
}

BatchMetrics FakeNetwork::forward(const HostBatch& batch, Phase phase, uint64_t step) {
  forwards.push_back({batch.n, phase, step, batch.images.empty() ? 0.0f : batch.images[0]});
  return {};
}

void FakeNetwork::read(const TensorRef& tensor, std::span<float> out) const {
  const size_t index = tensor.index;
  switch (tensor.kind) {
    case TensorKind::parameter:
      for (size_t i = 0; i < out.size(); ++i)
        out[i] = std::sin(static_cast<float>(i + 7 * index)) / static_cast<float>(1 + step_ / 100);
      return;
    case TensorKind::gradient:
      for (size_t i = 0; i < out.size(); ++i) out[i] = 1e-3f * std::cos(static_cast<float>(i * (index + 1) + step_));
      return;
    case TensorKind::activation: {
      const Shape s = plan_.layers[index].out;
      const float base = forwards.empty() ? 0.0f : forwards.back().first_pixel;
      for (int64_t c = 0; c < s.c; ++c)
        for (int64_t y = 0; y < s.h; ++y)
          for (int64_t x = 0; x < s.w; ++x)
            out[static_cast<size_t>((c * s.h + y) * s.w + x)] =
                base + static_cast<float>(index) + static_cast<float>(c * (x - y)) / 10.0f;
      return;
    }
    default: return;  // optimizer state and the input gradient: the observers never read them
  }
}

}  // namespace expt::test
