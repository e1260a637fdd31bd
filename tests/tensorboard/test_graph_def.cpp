#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "fake_network.hpp"
#include "tensorboard/graph_def.hpp"

using namespace expt;

TEST_CASE("the graph has one name scope per layer, wired from input to loss") {
  const NetworkPlan plan = test::small_plan();
  const tb::GraphDef g = make_graph_def(plan);

  std::map<std::string, const tb::NodeDef*> nodes;
  for (const auto& n : g.node()) {
    CHECK_MESSAGE(nodes.count(n.name()) == 0, "duplicate node " << n.name());
    nodes[n.name()] = &n;
  }
  // Every edge points at a node that exists.
  for (const auto& n : g.node())
    for (const auto& in : n.input()) CHECK_MESSAGE(nodes.count(in) == 1, n.name() << " reads missing " << in);

  for (const auto& layer : plan.layers) {
    bool scoped = false;
    for (const auto& [name, _] : nodes) scoped |= name.starts_with(layer.spec.name + "/");
    CHECK_MESSAGE(scoped, "no scope for " << layer.spec.name);
  }

  REQUIRE(nodes.count("conv1/weight"));
  REQUIRE(nodes.count("conv1/bias"));
  const auto& conv = *nodes.at("conv1/Conv2D");
  CHECK(conv.op() == "Conv2D");
  REQUIRE(conv.input_size() == 2);
  CHECK(conv.input(0) == "input");
  CHECK(conv.input(1) == "conv1/weight");
  CHECK(nodes.at("conv1/BiasAdd")->input(0) == "conv1/Conv2D");
  CHECK(nodes.at("conv1/Relu")->input(0) == "conv1/BiasAdd");
  CHECK(nodes.at("pool1/MaxPool")->input(0) == "conv1/Relu");
  CHECK_FALSE(nodes.count("conv2/Relu"));   // conv2 has no activation

  // Weight shapes are PyTorch's; op outputs carry the batch as -1.
  const auto& wshape = nodes.at("conv1/weight")->attr().at("shape").shape();
  REQUIRE(wshape.dim_size() == 4);
  CHECK(wshape.dim(0).size() == 4);
  CHECK(wshape.dim(1).size() == 3);
  const auto& out = nodes.at("conv1/Conv2D")->attr().at("_output_shapes").list().shape(0);
  REQUIRE(out.dim_size() == 4);
  CHECK(out.dim(0).size() == -1);
  CHECK(out.dim(1).size() == 4);
  CHECK(out.dim(2).size() == 8);

  const auto& loss = *nodes.at("loss/SoftmaxCrossEntropy");
  CHECK(loss.input(0) == "fc/BiasAdd");
}

TEST_CASE("a branch reads the node of the layer it names, and an add reads all its inputs") {
  LayerSpec conv1;
  conv1.kind = LayerKind::conv2d;
  conv1.name = "conv1";
  conv1.filters = 4;
  conv1.kernel_h = conv1.kernel_w = 3;
  conv1.activation = Activation::relu;
  LayerSpec conv2 = conv1;
  conv2.name = "conv2";
  conv2.activation = Activation::none;
  conv2.use_bias = false;
  LayerSpec shortcut = conv2;
  shortcut.name = "shortcut";
  shortcut.kernel_h = shortcut.kernel_w = 1;
  shortcut.input = "input";
  LayerSpec join;
  join.kind = LayerKind::add;
  join.name = "join";
  join.inputs = {"conv1", "conv2", "shortcut"};
  LayerSpec logits;
  logits.kind = LayerKind::dense;
  logits.name = "logits";
  logits.units = 3;
  const tb::GraphDef g = make_graph_def(plan_network({conv1, conv2, shortcut, join, logits}, Shape{3, 6, 6}, 3));

  std::map<std::string, const tb::NodeDef*> nodes;
  for (const auto& n : g.node()) nodes[n.name()] = &n;
  REQUIRE(nodes.count("shortcut/Conv2D"));
  CHECK(nodes.at("shortcut/Conv2D")->input(0) == "input");
  REQUIRE(nodes.count("join/AddN"));
  const auto& add = *nodes.at("join/AddN");
  CHECK(add.op() == "AddN");
  REQUIRE(add.input_size() == 3);
  CHECK(add.input(0) == "conv1/Relu");
  CHECK(add.input(1) == "conv2/Conv2D");
  CHECK(add.input(2) == "shortcut/Conv2D");
  CHECK(nodes.at("logits/MatMul")->input(0) == "join/AddN");
}
