// Residual connections in the config: `input` on any layer, `add` with `inputs`, and the
// mistakes in them that load_config reports with file, line, column and key.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "config_test_support.hpp"
#include "layers/network_plan.hpp"

using namespace expt;
using namespace expt::test;

namespace {

// small_config's network with an identity shortcut around a second conv:
// conv1 -> conv2 -> add(conv1, conv2) -> relu -> logits.
std::string residual_config() {
  return edited(small_config, "    - {type: max_pool, name: pool1, size: 2}\n    - {type: dropout, rate: 0.25}\n",
                "    - {type: conv2d, name: conv2, filters: 4, kernel: 3}\n"
                "    - {type: add, name: join, inputs: [conv1, conv2]}\n"
                "    - {type: relu}\n");
}

}  // namespace

TEST_CASE("a residual block plans its inputs by index, and the resolved YAML keeps them") {
  ExperimentConfig c = load_config_text(residual_config(), "test.yaml");
  const NetworkPlan plan = plan_network(c.layers, c.input, c.classes);
  CHECK(plan.layers[0].inputs == std::vector<int>{network_input});
  CHECK(plan.layers[1].inputs == std::vector<int>{0});
  CHECK(plan.layers[2].inputs == std::vector<int>{0, 1});
  CHECK(plan.layers[2].out == plan.layers[0].out);
  CHECK(plan.readers(0) == std::vector<size_t>{1, 2});
  CHECK_FALSE(plan.is_chain());
  CHECK(c.resolved_yaml.find("{type: add, name: join, inputs: [conv1, conv2]}") != std::string::npos);
  // A chain written out: `input` only where given.
  const std::string chain = edited(small_config, "{type: max_pool, name: pool1, size: 2}",
                                   "{type: max_pool, name: pool1, size: 2, input: conv1}");
  c = load_config_text(chain, "test.yaml");
  CHECK(c.resolved_yaml.find("{type: max_pool, name: pool1, input: conv1, size: 2") != std::string::npos);
  CHECK(plan_network(c.layers, c.input, c.classes).is_chain());
  CHECK(load_config_text(load_config_text(chain, "test.yaml").resolved_yaml, "again.yaml").resolved_yaml ==
        c.resolved_yaml);
}

TEST_CASE("`input: input` reads the network input, and no layer may be called `input`") {
  const std::string yaml = edited(residual_config(), "{type: conv2d, name: conv2, filters: 4, kernel: 3}",
                                  "{type: conv2d, name: conv2, filters: 4, kernel: 3, input: input}");
  const ExperimentConfig c = load_config_text(yaml, "test.yaml");
  CHECK(plan_network(c.layers, c.input, c.classes).layers[1].inputs == std::vector<int>{network_input});
  const std::string named = edited(small_config, "name: pool1", "name: input");
  CHECK(load_error(named).starts_with("reserved layer name at model.layers[1].name (" + position_of(named, "input, size")));
}

TEST_CASE("an input naming no layer suggests the nearest name") {
  const std::string yaml = edited(residual_config(), "inputs: [conv1, conv2]", "inputs: [conv1, conv3]");
  CHECK(load_error(yaml) == "unknown layer at model.layers[2].inputs[1] (" + position_of(yaml, "conv3") +
                                "): no layer is named 'conv3' (`input` is the network's input); did you mean 'conv1'?");
  const std::string single = edited(small_config, "name: pool1, size: 2", "name: pool1, size: 2, input: cnv1");
  CHECK(load_error(single).starts_with("unknown layer at model.layers[1].input (" + position_of(single, "cnv1")));
}

TEST_CASE("an input naming the layer itself or a later layer is a cycle") {
  std::string yaml = edited(residual_config(), "inputs: [conv1, conv2]", "inputs: [conv1, join]");
  CHECK(load_error(yaml) == "layer reads itself at model.layers[2].inputs[1] (" + position_of(yaml, "join]") +
                                "): 'join' is this layer; a layer reads earlier layers only, so the model has no cycle");
  yaml = edited(residual_config(), "filters: 4, kernel: 3}", "filters: 4, kernel: 3, input: logits}");
  CHECK(load_error(yaml) == "layer reads a later layer at model.layers[1].input (" + position_of(yaml, "logits}") +
                                "): 'logits' is model.layers[4], after this layer; a layer reads earlier layers "
                                "only, so the model has no cycle");
}

TEST_CASE("an add needs two inputs of one shape, and reads `inputs`, not `input`") {
  std::string yaml = edited(residual_config(), "inputs: [conv1, conv2]", "inputs: [conv2]");
  CHECK(load_error(yaml) == "too few inputs at model.layers[2].inputs (" + position_of(yaml, "[conv2]") +
                                "): an add sums two or more layers, got 1");
  CHECK(load_error(edited(residual_config(), "inputs: [conv1, conv2]", "input: conv1"))
            .starts_with("missing key 'inputs' at model.layers[2]"));
  yaml = edited(residual_config(), "inputs: [conv1, conv2]", "inputs: [conv1, conv2], input: conv1");
  CHECK(load_error(yaml).starts_with("input on an add at model.layers[2].input (" + position_of(yaml, "conv1}")));
  // conv2 with 6 filters: 6x8x8 against conv1's 4x8x8.
  yaml = edited(residual_config(), "name: conv2, filters: 4", "name: conv2, filters: 6");
  CHECK(load_error(yaml) == fmt::format("model.layers[2] (add 'join'): inputs: 'conv1' gives 4x8x8 but 'conv2' gives "
                                        "6x8x8; add sums tensors of one shape (a shortcut that changes the shape "
                                        "needs a 1x1 conv2d with the block's stride and filters) ({})",
                                        position_of(yaml, "{type: add")));
}

TEST_CASE("a layer whose output nothing reads is an error") {
  const std::string yaml = edited(small_config, "{type: dropout, rate: 0.25}", "{type: dropout, rate: 0.25, input: conv1}");
  CHECK(load_error(yaml) == fmt::format("model.layers[1] (max_pool 'pool1'): no later layer reads its output (each "
                                        "`input` names another layer); remove it or name it in an `input` or an "
                                        "add's `inputs` ({})",
                                        position_of(yaml, "{type: max_pool")));
}
