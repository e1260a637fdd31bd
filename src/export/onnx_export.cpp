#include "export/onnx_export.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "export/onnx_graph.hpp"
#include "core/safetensors.hpp"
#include "layers/layer_registry.hpp"
#include "layers/network_plan.hpp"

namespace expt {
namespace {

using onnx_export::Attribute;
using onnx_export::GraphBuilder;

// The checkpoint's tensors, added to the graph as initializers under their own names.
class Weights {
 public:
  Weights(const std::filesystem::path& checkpoint, GraphBuilder& graph)
      : checkpoint_(checkpoint), file_(safetensors::read(checkpoint)), graph_(graph) {}

  // The initializer of parameter `spec`; checked against the shape the plan gives it.
  const std::string& add(const ParamSpec& spec) {
    const auto found = file_.tensors.find(spec.name);
    if (found == file_.tensors.end() || found->second.dtype != "F32" || found->second.shape != spec.dims)
      throw ReadError(fmt::format("{}: tensor '{}' is missing or not F32 of shape [{}]", checkpoint_.string(),
                                  spec.name, fmt::join(spec.dims, ", ")));
    std::vector<float> values(found->second.data.size() / sizeof(float));
    std::memcpy(values.data(), found->second.data.data(), found->second.data.size());
    graph_.initializer(spec.name, values, spec.dims);
    return spec.name;
  }

 private:
  std::filesystem::path checkpoint_;
  safetensors::File file_;
  GraphBuilder& graph_;
};

// Translates the plan layer by layer. Each layer's output is a graph tensor of rank 4 (NCHW), or
// 2 ([batch, features]) after a dense layer or flatten; a layer starts from the tensor of the
// layer it reads (PlannedLayer::inputs), so branches and `add` come out as they are planned.
class Translator {
 public:
  Translator(const NetworkPlan& plan, GraphBuilder& graph, Weights& weights)
      : plan_(plan), graph_(graph), weights_(weights) {}

  std::string run(std::string input) {
    input_ = {std::move(input), 4};
    for (const PlannedLayer& layer : plan_.layers) {
      start_from(layer.inputs.front());
      add_layer(layer);
      outputs_.push_back({current_, rank_});
    }
    if (rank_ == 4) current_ = graph_.node("Flatten", {current_}, "flatten_logits", {{"axis", int64_t{1}}});
    return current_;
  }

 private:
  struct Tensor {
    std::string name;
    int rank = 4;
  };

  void start_from(int layer) {
    const Tensor& t = layer == network_input ? input_ : outputs_.at(static_cast<size_t>(layer));
    current_ = t.name;
    rank_ = t.rank;
  }

  // ONNX's Sum of the inputs, which the plan gives one shape; a dense output among NCHW ones is
  // brought back to rank 4 first.
  void sum(const PlannedLayer& l) {
    int rank = 2;
    for (const int from : l.inputs)
      rank = std::max(rank, from == network_input ? 4 : outputs_[static_cast<size_t>(from)].rank);
    std::vector<std::string> terms;
    for (const int from : l.inputs) {
      start_from(from);
      if (rank == 4) ensure_rank4(fmt::format("{}/{}", l.spec.name, terms.size()));
      terms.push_back(current_);
    }
    current_ = graph_.node("Sum", terms, l.spec.name);
  }

  const ParamSpec& param(const PlannedLayer& l, size_t i) const {
    return plan_.params[static_cast<size_t>(l.params.at(i))];
  }

  std::vector<Attribute> window(const PlannedLayer& l) const {
    const LayerSpec& s = l.spec;
    return {{"kernel_shape", std::vector<int64_t>{s.kernel_h, s.kernel_w}},
            {"strides", std::vector<int64_t>{s.stride_h, s.stride_w}},
            {"pads", std::vector<int64_t>{l.pad_top, l.pad_left, l.pad_bottom, l.pad_right}}};
  }

  // Back to NCHW after a dense layer: [batch, C] -> [batch, C, 1, 1], the shape the plan gives it.
  void ensure_rank4(const std::string& name) {
    if (rank_ == 4) return;
    const std::vector<int64_t> axes{2, 3};
    graph_.initializer(name + ".unsqueeze_axes", axes, {2});
    current_ = graph_.node("Unsqueeze", {current_, name + ".unsqueeze_axes"}, name + "/unsqueeze");
    rank_ = 4;
  }

  void flatten(const std::string& name) {
    if (rank_ == 2) return;
    current_ = graph_.node("Flatten", {current_}, name + "/flatten", {{"axis", int64_t{1}}});
    rank_ = 2;
  }

  // The element-wise function as its own node(s), named `output`.
  void activation(ActivationFunction f, const std::string& output) {
    const std::string x = current_;
    switch (f.kind) {
      case Activation::none: return;
      case Activation::relu: current_ = graph_.node("Relu", {x}, output); return;
      case Activation::leaky_relu: current_ = graph_.node("LeakyRelu", {x}, output, {{"alpha", f.alpha}}); return;
      case Activation::elu: current_ = graph_.node("Elu", {x}, output, {{"alpha", f.alpha}}); return;
      case Activation::tanh: current_ = graph_.node("Tanh", {x}, output); return;
      case Activation::sigmoid: current_ = graph_.node("Sigmoid", {x}, output); return;
      case Activation::silu: {
        const std::string s = graph_.node("Sigmoid", {x}, output + "/sigmoid");
        current_ = graph_.node("Mul", {x, s}, output);
        return;
      }
      case Activation::gelu: {  // the exact form, 0.5 x (1 + erf(x / sqrt 2)): opset 17 has no Gelu
        const std::string scaled = graph_.node("Mul", {x, graph_.scalar(0.70710678118654752440f)}, output + "/scaled");
        const std::string erf = graph_.node("Erf", {scaled}, output + "/erf");
        const std::string plus = graph_.node("Add", {erf, graph_.scalar(1.0f)}, output + "/plus_one");
        const std::string times = graph_.node("Mul", {x, plus}, output + "/times_x");
        current_ = graph_.node("Mul", {times, graph_.scalar(0.5f)}, output);
        return;
      }
    }
  }

  void add_layer(const PlannedLayer& l) {
    const LayerSpec& s = l.spec;
    switch (s.kind) {
      case LayerKind::conv2d: {
        ensure_rank4(s.name);
        std::vector<std::string> inputs{current_, weights_.add(param(l, 0))};
        if (s.use_bias) inputs.push_back(weights_.add(param(l, 1)));
        const ActivationFunction f = fused_activation(s);
        current_ = graph_.node("Conv", inputs, f.kind == Activation::none ? s.name : s.name + "/conv", window(l));
        activation(f, s.name);
        return;
      }
      case LayerKind::dense: {
        flatten(s.name);
        std::vector<std::string> inputs{current_, weights_.add(param(l, 0))};
        if (s.use_bias) inputs.push_back(weights_.add(param(l, 1)));
        const ActivationFunction f = fused_activation(s);
        current_ = graph_.node("Gemm", inputs, f.kind == Activation::none ? s.name : s.name + "/gemm",
                               {{"transB", int64_t{1}}});
        activation(f, s.name);
        return;
      }
      case LayerKind::max_pool:
        ensure_rank4(s.name);
        current_ = graph_.node("MaxPool", {current_}, s.name, window(l));
        return;
      case LayerKind::avg_pool: {  // padded pixels are not counted, as expt's avg_pool
        ensure_rank4(s.name);
        std::vector<Attribute> attrs = window(l);
        attrs.push_back({"count_include_pad", int64_t{0}});
        current_ = graph_.node("AveragePool", {current_}, s.name, attrs);
        return;
      }
      case LayerKind::global_avg_pool:
        ensure_rank4(s.name);
        current_ = graph_.node("GlobalAveragePool", {current_}, s.name);
        return;
      case LayerKind::batch_norm:  // evaluation form: the running statistics; works on [N, C] and NCHW
        current_ = graph_.node("BatchNormalization",
                               {current_, weights_.add(param(l, 0)), weights_.add(param(l, 1)),
                                weights_.add(param(l, 2)), weights_.add(param(l, 3))},
                               s.name, {{"epsilon", static_cast<float>(s.epsilon)}});
        return;
      case LayerKind::flatten: flatten(s.name); return;
      case LayerKind::dropout:
      case LayerKind::spatial_dropout: return;  // the identity at inference
      case LayerKind::add: sum(l); return;
      EXPT_ACTIVATION_LAYER_CASES:
        activation(layer_activation(s), s.name);
        return;
    }
    throw ConfigError(fmt::format("layer '{}' (type {}) has no ONNX export yet", s.name, to_string(s.kind)));
  }

  const NetworkPlan& plan_;
  GraphBuilder& graph_;
  Weights& weights_;
  Tensor input_;                 // the normalised pixels
  std::vector<Tensor> outputs_;  // per layer translated so far
  std::string current_;
  int rank_ = 4;
};

}  // namespace

std::string onnx_model_bytes(const TrainedRun& run) {
  const ExperimentConfig& config = run.config;
  const NetworkPlan plan = plan_network(config);
  onnx::ModelProto model;
  model.set_ir_version(onnx_export::kIrVersion);
  onnx::OperatorSetIdProto& opset = *model.add_opset_import();
  opset.set_domain("");
  opset.set_version(onnx_export::kOpsetVersion);
  model.set_producer_name("expt");
  model.set_producer_version(EXPT_VERSION);
  model.set_doc_string(
      "input `pixels`: float32 [batch, C, H, W], pixel values 0..255 (decoded and resized as the run's data); "
      "output `logits`: float32 [batch, classes], before softmax");
  onnx::StringStringEntryProto& names = *model.add_metadata_props();
  names.set_key("class_names");
  names.set_value(nlohmann::json(run.class_names).dump());

  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name(config.name);
  GraphBuilder builder(graph);
  const Shape in = run.input;
  GraphBuilder::describe(*graph.add_input(), "pixels", {-1, in.c, in.h, in.w});
  // x = (pixel - mean) * inv_std, as the trainer's batches (data/normalize.hpp).
  builder.initializer("normalization.mean", run.normalization.mean, {in.c, in.h, in.w});
  builder.initializer("normalization.inv_std", run.normalization.inv_std, {in.c, in.h, in.w});
  const std::string centred = builder.node("Sub", {"pixels", "normalization.mean"}, "normalized/centred");
  const std::string normalized = builder.node("Mul", {centred, "normalization.inv_std"}, "normalized");

  Weights weights(run.checkpoint, builder);
  Translator(plan, builder, weights).run(normalized);
  // The last node produces the graph's output; give it the output's name.
  graph.mutable_node(graph.node_size() - 1)->set_output(0, "logits");
  GraphBuilder::describe(*graph.add_output(), "logits", {-1, plan.classes});
  return model.SerializeAsString();
}

void export_onnx(const TrainedRun& run, const std::filesystem::path& path) {
  write_file_atomically(path, onnx_model_bytes(run));
}

}  // namespace expt
