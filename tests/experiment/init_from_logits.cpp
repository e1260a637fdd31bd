// The logits a config's network gives for a batch right after model.init_from, in evaluation
// mode: what vgg16_transfer_check.py compares with torchvision.
// Usage: init_from_logits CONFIG INPUT OUTPUT
//   INPUT   safetensors with `images` [n, c, h, w] F32
//   OUTPUT  safetensors with `logits` [n, classes] F32, written by the checkpoint writer's code
#include <cstring>

#include <fmt/format.h>

#include "config/load_config.hpp"
#include "core/error.hpp"
#include "core/safetensors.hpp"
#include "experiment/init_from_weights.hpp"
#include "experiment/network_setup.hpp"

using namespace expt;

int main(int argc, char** argv) {
  if (argc != 4) {
    fmt::print(stderr, "usage: init_from_logits CONFIG INPUT OUTPUT\n");
    return 2;
  }
  try {
    const ExperimentConfig cfg = load_config(argv[1], {});
    const safetensors::Tensor images = safetensors::read(argv[2]).tensors.at("images");
    const int64_t n = images.shape.at(0);
    std::vector<float> input(images.data.size() / sizeof(float));
    std::memcpy(input.data(), images.data.data(), images.data.size());

    const NetworkPlan plan = plan_network(cfg.layers, cfg.input, cfg.classes);
    const NetworkOptions options = network_options(cfg, n);
    auto net = backend_for(cfg, plan, options)->build(plan, options);
    load_init_from(cfg.init_from, *net);
    const std::vector<int32_t> labels(static_cast<size_t>(n), 0);
    net->forward(HostBatch{n, input, labels}, Phase::eval, 0);
    std::vector<float> logits(static_cast<size_t>(n * cfg.classes));
    net->read_activation(plan.layers.size() - 1, logits);

    safetensors::File out;
    out.tensors["logits"] = {"F32", {n, cfg.classes}, std::vector<std::byte>(logits.size() * sizeof(float))};
    std::memcpy(out.tensors["logits"].data.data(), logits.data(), logits.size() * sizeof(float));
    safetensors::write(argv[3], out);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "init_from_logits: {}\n", e.what());
    return 1;
  }
}
