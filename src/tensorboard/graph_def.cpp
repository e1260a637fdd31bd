#include "tensorboard/graph_def.hpp"

#include <string>

#include "core/overloaded.hpp"
#include "layers/layer_registry.hpp"

namespace expt {
namespace {

tb::TensorShapeProto batch_shape(const Shape& s) {
  tb::TensorShapeProto shape;
  shape.add_dim()->set_size(-1);
  shape.add_dim()->set_size(s.c);
  // Dense and flatten outputs are vectors; drawing them as [-1, C, 1, 1] would only confuse.
  if (s.h != 1 || s.w != 1) {
    shape.add_dim()->set_size(s.h);
    shape.add_dim()->set_size(s.w);
  }
  return shape;
}

tb::AttrValue attr_value(const GraphAttr& attr) {
  tb::AttrValue a;
  std::visit(overloaded{
                 [&](const std::vector<int64_t>& ints) {
                   for (const int64_t v : ints) a.mutable_list()->add_i(v);
                 },
                 [&](const std::string& s) { a.set_s(s); },
                 [&](float f) { a.set_f(f); },
             },
             attr.value);
  return a;
}

tb::AttrValue float_type() {
  tb::AttrValue a;
  a.set_type(tb::DT_FLOAT);
  return a;
}

class GraphBuilder {
 public:
  // Adds an operation consuming `inputs`; `_output_shapes` is the attribute TensorBoard reads
  // to label the edges leaving a node.
  tb::NodeDef& op(const std::string& name, const std::string& type, std::vector<std::string> inputs, const Shape& out) {
    tb::NodeDef& n = *graph_.add_node();
    n.set_name(name);
    n.set_op(type);
    for (auto& i : inputs) n.add_input(std::move(i));
    (*n.mutable_attr())["T"] = float_type();
    *(*n.mutable_attr())["_output_shapes"].mutable_list()->add_shape() = batch_shape(out);
    return n;
  }

  void variable(const std::string& name, const std::vector<int64_t>& dims) {
    tb::NodeDef& n = *graph_.add_node();
    n.set_name(name);
    n.set_op("VariableV2");
    (*n.mutable_attr())["dtype"] = float_type();
    tb::TensorShapeProto shape;
    for (const int64_t d : dims) shape.add_dim()->set_size(d);
    *(*n.mutable_attr())["shape"].mutable_shape() = shape;
    *(*n.mutable_attr())["_output_shapes"].mutable_list()->add_shape() = shape;
  }

  tb::GraphDef take() { return std::move(graph_); }

 private:
  tb::GraphDef graph_;
};

}  // namespace

tb::GraphDef make_graph_def(const NetworkPlan& plan) {
  GraphBuilder g;
  g.op("input", "Placeholder", {}, plan.input);
  std::vector<std::string> outputs;  // per layer, its last node

  for (const PlannedLayer& layer : plan.layers) {
    // The layer's first node reads every layer it reads (an add: all its inputs).
    std::vector<std::string> sources;
    for (const int source : layer.inputs)
      sources.push_back(source == network_input ? "input" : outputs[static_cast<size_t>(source)]);
    std::string previous;
    const LayerSpec& s = layer.spec;
    const std::string scope = s.name + "/";
    // Parameters in plan order: weight first, then bias when the layer has one.
    std::vector<std::string> params;
    for (const int index : layer.params) {
      const ParamSpec& p = plan.params[static_cast<size_t>(index)];
      const std::string leaf = p.name.substr(p.name.rfind('.') + 1);
      g.variable(scope + leaf, p.dims);
      params.push_back(scope + leaf);
    }
    auto chain = [&](const std::string& op_name, const std::string& type, std::vector<std::string> extra) -> tb::NodeDef& {
      std::vector<std::string> inputs = previous.empty() ? sources : std::vector{previous};
      inputs.insert(inputs.end(), extra.begin(), extra.end());
      previous = scope + op_name;
      return g.op(previous, type, std::move(inputs), layer.out);
    };

    const GraphOp op = layer_descriptor(s.kind).graph_op(s);
    tb::NodeDef& node = chain(op.name, op.type, params.empty() ? std::vector<std::string>{} : std::vector{params[0]});
    for (const GraphAttr& attr : op.attrs) (*node.mutable_attr())[attr.name] = attr_value(attr);
    if (params.size() > 1) chain("BiasAdd", "BiasAdd", {params[1]});
    if (const Activation a = fused_activation(s).kind; a != Activation::none) chain(graph_op_type(a), graph_op_type(a), {});
    outputs.push_back(previous);
  }

  g.op("labels", "Placeholder", {}, Shape{1, 1, 1});
  g.op("loss/SoftmaxCrossEntropy", "SparseSoftmaxCrossEntropyWithLogits", {outputs.back(), "labels"}, Shape{1, 1, 1});
  return g.take();
}

}  // namespace expt
