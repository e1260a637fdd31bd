// Writes what the PyTorch cross-check needs, for one network, one backend and one optimizer:
//   step0.safetensors   the initial weights (the run's checkpoint writer, weights only)
//   batch.safetensors   the batch: images [n,c,h,w] f32, labels [n] i32
//   step1.safetensors   the weights after one training step with dropout off; metadata "loss"
//   step3.safetensors   everything after two more steps on the same batch: batch norm's running
//                       statistics and counter, which one step barely moves from their start
//   eval.safetensors    the logits of an evaluation forward of the batch after those steps
//   masks.safetensors   for networks trained with dropout on (spatialdrop): "<layer>.step<k>",
//                       [n, C], 1 where spatial_dropout kept the plane at step k, 0 where it dropped it
// Usage: torch_step_dump NETWORK BACKEND OPTIMIZER OUT_DIR, NETWORK one of `layers` below.
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "backends/registry.hpp"
#include "config/load_config.hpp"
#include "experiment/checkpoint.hpp"
#include "core/safetensors.hpp"

using namespace expt;

namespace {

// The networks torch_step_check.py rebuilds, by name. Odd sizes make TensorFlow's `same` padding
// asymmetric; stride 2 and valid pooling too.
const std::map<std::string, std::string> layers{
    {"seed", R"(
    - {type: conv2d, name: conv1, filters: 5, kernel: 3, padding: same, activation: relu}
    - {type: conv2d, name: conv2, filters: 6, kernel: [2, 3], stride: 2, padding: same, activation: relu}
    - {type: max_pool, name: pool1, size: 2, stride: 2, padding: same}
    - {type: dropout, name: drop1, rate: 0.5}
    - {type: dense, name: fc1, units: 7, activation: relu, init: {bias: 0.1}}
    - {type: dense, name: logits, units: classes})"},
    // Every activation fused and as a layer, and global average pooling.
    {"activations", R"(
    - {type: conv2d, name: conv1, filters: 5, kernel: 3, activation: leaky_relu, activation_alpha: 0.2}
    - {type: conv2d, name: conv2, filters: 6, kernel: [2, 3], stride: 2, activation: gelu}
    - {type: elu, alpha: 0.5}
    - {type: conv2d, name: conv3, filters: 8, kernel: 1, activation: silu}
    - {type: silu}
    - {type: tanh}
    - {type: global_avg_pool}
    - {type: dense, name: fc1, units: 7, activation: elu, init: {bias: 0.1}}
    - {type: sigmoid}
    - {type: dense, name: fc2, units: 6, activation: tanh}
    - {type: leaky_relu}
    - {type: gelu}
    - {type: dense, name: fc3, units: 6, activation: sigmoid}
    - {type: relu}
    - {type: dense, name: logits, units: classes})"},
    // Batch norm per channel after convs and per unit after a dense layer. No bias before a
    // batch norm: its gradient is zero up to rounding, and Adam would turn that noise into steps.
    {"batchnorm", R"(
    - {type: conv2d, name: conv1, filters: 5, kernel: 3, padding: same, use_bias: false}
    - {type: batch_norm, name: bn1}
    - {type: relu}
    - {type: conv2d, name: conv2, filters: 6, kernel: [2, 3], stride: 2, padding: same, use_bias: false}
    - {type: batch_norm, name: bn2, momentum: 0.3, epsilon: 0.001}
    - {type: relu}
    - {type: dense, name: fc1, units: 7, use_bias: false}
    - {type: batch_norm, name: bn3}
    - {type: tanh}
    - {type: dense, name: logits, units: classes})"},
    // Residual blocks: an identity shortcut around conv -> batch norm -> relu -> conv -> batch
    // norm, then a stride-2 block with a 1x1-conv shortcut.
    {"residual", R"(
    - {type: conv2d, name: conv1, filters: 6, kernel: 3, padding: same, use_bias: false}
    - {type: batch_norm, name: bn1}
    - {type: relu, name: relu1}
    - {type: conv2d, name: conv2, filters: 6, kernel: 3, padding: same, use_bias: false}
    - {type: batch_norm, name: bn2}
    - {type: relu, name: relu2}
    - {type: conv2d, name: conv3, filters: 6, kernel: 3, padding: same, use_bias: false}
    - {type: batch_norm, name: bn3}
    - {type: add, name: add1, inputs: [relu1, bn3]}
    - {type: relu, name: out1}
    - {type: conv2d, name: conv4, filters: 8, kernel: 3, stride: 2, padding: same, activation: relu}
    - {type: conv2d, name: short, input: out1, filters: 8, kernel: 1, stride: 2}
    - {type: add, name: add2, inputs: [conv4, short]}
    - {type: global_avg_pool}
    - {type: dense, name: logits, units: classes})"},
    // Spatial dropout on, after a conv (plain 5 channels) and after a strided conv (blocked on
    // oneDNN): the masks expt draws go to masks.safetensors, which torch applies.
    {"spatialdrop", R"(
    - {type: conv2d, name: conv1, filters: 5, kernel: 3, padding: same, activation: relu}
    - {type: spatial_dropout, name: sd1, rate: 0.4}
    - {type: conv2d, name: conv2, filters: 17, kernel: [2, 3], stride: 2, padding: same, activation: relu}
    - {type: spatial_dropout, name: sd2, rate: 0.5}
    - {type: dense, name: fc1, units: 7, activation: relu, init: {bias: 0.1}}
    - {type: dense, name: logits, units: classes})"},
};

// Which (sample, channel) planes spatial_dropout layer `l` kept in the last forward, as 1 or 0,
// read from its output: a kept plane is its input times 1 / (1 - rate), a dropped one zeros. A
// plane whose input is all zero reads as dropped, which changes nothing on either side.
std::vector<float> kept_planes(const Network& net, size_t l, int64_t n) {
  const PlannedLayer& layer = net.plan().layers[l];
  std::vector<float> in(static_cast<size_t>(n * layer.in.size())), out(in.size());
  net.read_activation(l - 1, in);
  net.read_activation(l, out);
  const auto plane = static_cast<size_t>(layer.out.h * layer.out.w);
  const auto scale = static_cast<float>(1.0 / (1.0 - layer.spec.rate));
  std::vector<float> kept(in.size() / plane);
  for (size_t u = 0; u < kept.size(); ++u) {
    bool any_nonzero = false;
    for (size_t i = u * plane; i < (u + 1) * plane; ++i) any_nonzero = any_nonzero || out[i] != 0.0f;
    kept[u] = any_nonzero ? 1.0f : 0.0f;
    for (size_t i = u * plane; i < (u + 1) * plane; ++i)
      if (out[i] != (any_nonzero ? in[i] * scale : 0.0f))
        throw std::runtime_error(fmt::format("{}: plane {} is neither dropped nor kept whole", layer.spec.name, u));
  }
  return kept;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 || !layers.contains(argv[1])) {
    fmt::print(stderr, "usage: torch_step_dump seed|activations|batchnorm|residual|spatialdrop BACKEND sgd|adam OUT_DIR\n");
    return 2;
  }
  const std::string network = argv[1], backend_name = argv[2], optimizer = argv[3];
  const std::filesystem::path out = argv[4];
  const std::string yaml = fmt::format(R"(
name: torch_check
seed: 5
backend: {}
data: {{dataset: synthetic, image_size: [11, 9], channels: 3, synthetic: {{classes: 4, train: 8, test: 8}}}}
model:
  layers:{}
training: {{batch_size: 4, dropout: {}, optimizer: {{type: {}, learning_rate: 0.05}}}}
)", backend_name, layers.at(network), network == "spatialdrop", optimizer);
  const ExperimentConfig cfg = load_config_text(yaml, "torch_check.yaml");
  const NetworkPlan plan = plan_network(cfg.layers, cfg.input, cfg.classes);
  NetworkOptions options;
  options.optimizer = cfg.training.optimizer;
  options.seed = cfg.seed;
  options.dropout = cfg.training.dropout;
  options.max_batch = cfg.training.batch_size;
  auto net = make_backend(backend_name)->build(plan, options);
  save_checkpoint(out / "step0.safetensors", *net, options.optimizer.kind, {0, 0, "torch_check"}, false);

  const int64_t n = cfg.training.batch_size;
  std::vector<float> images(static_cast<size_t>(n * plan.input.size()));
  std::vector<int32_t> labels(static_cast<size_t>(n));
  std::mt19937 gen(3);
  std::normal_distribution<float> normal;  // any values will do: both sides read them from the file
  for (float& x : images) x = normal(gen);
  for (int64_t i = 0; i < n; ++i) labels[static_cast<size_t>(i)] = static_cast<int32_t>(i % cfg.classes);
  safetensors::File batch;
  batch.tensors["images"] = {"F32", {n, plan.input.c, plan.input.h, plan.input.w}, std::vector<std::byte>(images.size() * 4)};
  std::memcpy(batch.tensors["images"].data.data(), images.data(), images.size() * 4);
  batch.tensors["labels"] = {"I32", {n}, std::vector<std::byte>(labels.size() * 4)};
  std::memcpy(batch.tensors["labels"].data.data(), labels.data(), labels.size() * 4);
  safetensors::write(out / "batch.safetensors", batch);

  safetensors::File masks;
  auto train_step = [&](uint64_t step) {
    const BatchMetrics m = net->forward(HostBatch{n, images, labels}, Phase::train, step);
    for (size_t l = 0; l < plan.layers.size(); ++l) {
      if (plan.layers[l].spec.kind != LayerKind::spatial_dropout) continue;
      const std::vector<float> kept = kept_planes(*net, l, n);
      auto& t = masks.tensors[fmt::format("{}.step{}", plan.layers[l].spec.name, step)];
      t = {"F32", {n, plan.layers[l].out.c}, std::vector<std::byte>(kept.size() * 4)};
      std::memcpy(t.data.data(), kept.data(), kept.size() * 4);
    }
    net->backward();
    net->update(cfg.training.optimizer.learning_rate, step + 1);
    return m;
  };
  const BatchMetrics m = train_step(0);
  save_checkpoint(out / "step1.safetensors", *net, options.optimizer.kind, {1, 0, "torch_check"}, false);
  auto step1 = safetensors::read(out / "step1.safetensors");
  step1.metadata["loss"] = fmt::format("{:.9g}", m.loss());
  step1.metadata["learning_rate"] = fmt::format("{:.9g}", cfg.training.optimizer.learning_rate);
  safetensors::write(out / "step1.safetensors", step1);
  for (uint64_t step = 1; step < 3; ++step) train_step(step);
  save_checkpoint(out / "step3.safetensors", *net, options.optimizer.kind, {3, 0, "torch_check"}, false);
  if (!masks.tensors.empty()) safetensors::write(out / "masks.safetensors", masks);

  net->forward(HostBatch{n, images, labels}, Phase::eval, 3);
  std::vector<float> logits(static_cast<size_t>(n * plan.classes));
  net->read_activation(plan.layers.size() - 1, logits);
  safetensors::File eval;
  eval.tensors["logits"] = {"F32", {n, plan.classes}, std::vector<std::byte>(logits.size() * 4)};
  std::memcpy(eval.tensors["logits"].data.data(), logits.data(), logits.size() * 4);
  safetensors::write(out / "eval.safetensors", eval);
  return 0;
}
