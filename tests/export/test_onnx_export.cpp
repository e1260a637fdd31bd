#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/load_config.hpp"
#include "core/error.hpp"
#include "experiment/run.hpp"
#include "core/safetensors.hpp"
#include "experiment/trained_run.hpp"
#include "export/onnx_export.hpp"
#include "onnx.pb.h"

using namespace expt;

namespace {

// One epoch of a small synthetic run whose layers cover what the export translates:
// asymmetric `same` padding (12 -> 6 by a stride-2 conv, 6 -> 3 by a 3x3 pool), a fused gelu,
// batch norm, dropout and a fused silu.
std::filesystem::path trained_run_dir(const std::filesystem::path& results) {
  const std::string yaml = R"(
name: onnx_layers
seed: 3
backend: reference
results_dir: )" + results.string() + R"(
data: {dataset: synthetic, image_size: [12, 12], channels: 1, synthetic: {classes: 3, train: 60, test: 20}}
model:
  layers:
    - {type: conv2d, name: conv1, filters: 4, kernel: 3, stride: 2, padding: same, use_bias: false, activation: gelu}
    - {type: batch_norm, name: bn1}
    - {type: max_pool, name: pool1, size: 3, stride: 2, padding: same}
    - {type: dropout, name: drop1, rate: 0.5}
    - {type: dense, name: fc1, units: 8, activation: silu}
    - {type: dense, name: logits, units: classes}
training: {epochs: 1, batch_size: 20, optimizer: {type: sgd, learning_rate: 0.01}}
tensorboard: {enabled: false}
)";
  RunOptions quiet;
  quiet.quiet = true;
  return run_experiment(load_config_text(yaml, "onnx_layers.yaml"), quiet).run_dir;
}

std::vector<int64_t> ints(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return {a.ints().begin(), a.ints().end()};
  return {};
}

std::vector<std::string> dims(const onnx::ValueInfoProto& v) {
  std::vector<std::string> out;
  for (const auto& d : v.type().tensor_type().shape().dim())
    out.push_back(d.has_dim_param() ? d.dim_param() : std::to_string(d.dim_value()));
  return out;
}

}  // namespace

TEST_CASE("onnx export: the inference graph of a run, its weights and its normalisation") {
  const auto results = std::filesystem::temp_directory_path() / ("expt-onnx-export-" + std::to_string(::getpid()));
  std::filesystem::remove_all(results);
  const auto run_dir = trained_run_dir(results);
  const TrainedRun run = open_trained_run(run_dir, {});
  onnx::ModelProto model;
  REQUIRE(model.ParseFromString(onnx_model_bytes(run)));

  CHECK(model.ir_version() == 8);
  REQUIRE(model.opset_import_size() == 1);
  CHECK(model.opset_import(0).version() == 17);
  REQUIRE(model.metadata_props_size() == 1);
  CHECK(model.metadata_props(0).value() == R"(["0","1","2"])");
  const onnx::GraphProto& g = model.graph();
  REQUIRE(g.input_size() == 1);
  REQUIRE(g.output_size() == 1);
  CHECK(g.input(0).name() == "pixels");
  CHECK(dims(g.input(0)) == std::vector<std::string>{"batch", "1", "12", "12"});
  CHECK(g.output(0).name() == "logits");
  CHECK(dims(g.output(0)) == std::vector<std::string>{"batch", "3"});

  std::vector<std::string> ops;
  for (const auto& n : g.node()) ops.push_back(n.op_type());
  // Normalisation; conv then gelu's erf form; batch norm; pool; no dropout; flatten, gemm, silu; gemm.
  CHECK(ops == std::vector<std::string>{"Sub", "Mul", "Conv", "Mul", "Erf", "Add", "Mul", "Mul", "BatchNormalization",
                                        "MaxPool", "Flatten", "Gemm", "Sigmoid", "Mul", "Gemm"});
  const onnx::NodeProto& conv = g.node(2);
  CHECK(conv.input_size() == 2);  // no bias
  CHECK(ints(conv, "pads") == std::vector<int64_t>{0, 0, 1, 1});  // TensorFlow's: the odd pixel bottom/right
  CHECK(ints(conv, "strides") == std::vector<int64_t>{2, 2});
  CHECK(ints(g.node(9), "pads") == std::vector<int64_t>{0, 0, 1, 1});
  CHECK(g.node(g.node_size() - 1).output(0) == "logits");

  // Initializers are the checkpoint's tensors, byte for byte.
  const safetensors::File checkpoint = safetensors::read(run.checkpoint);
  int weights = 0;
  for (const auto& init : g.initializer()) {
    const auto found = checkpoint.tensors.find(init.name());
    if (found == checkpoint.tensors.end()) continue;
    ++weights;
    const auto& bytes = found->second.data;
    CHECK(init.raw_data() == std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  CHECK(weights == 1 + 4 + 2 + 2);  // conv1.weight; bn1's four; fc1's and logits' weight and bias

  // A checkpoint without a tensor the network needs is refused, naming it.
  safetensors::File partial = checkpoint;
  partial.tensors.erase("fc1.weight");
  const auto partial_path = run_dir / "checkpoints" / "partial.safetensors";
  safetensors::write(partial_path, partial);
  const TrainedRun broken = open_trained_run(partial_path, {});
  CHECK_THROWS_WITH_AS(onnx_model_bytes(broken), doctest::Contains("fc1.weight"), ReadError);
  std::filesystem::remove_all(results);
}
