// The transfer-learning keys. model.init_from: the safetensors file's header is checked against
// the planned model when the config loads, and errors name the file's tensors, both shapes and
// where the key is written. trainable and lr_multiplier: planned into the parameters, written
// back only when not the default.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "config/init_from.hpp"
#include "config_test_support.hpp"
#include "core/safetensors.hpp"
#include "layers/network_plan.hpp"

using namespace expt;
using namespace expt::test;

namespace {

// A file holding, for each of the small config's parameters, a zero tensor of its shape under
// `prefix + <parameter name>`, plus `extra` tensors.
std::filesystem::path weights_file(const std::string& name, const std::string& prefix,
                                   const std::map<std::string, std::vector<int64_t>>& extra = {},
                                   const std::vector<std::string>& leave_out = {}) {
  const ExperimentConfig c = load_config_text(small_config, "test.yaml");
  const NetworkPlan plan = plan_network(c.layers, c.input, c.classes);
  safetensors::File file;
  auto add = [&](const std::string& tensor, const std::vector<int64_t>& dims) {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    file.tensors[tensor] = {"F32", dims, std::vector<std::byte>(static_cast<size_t>(n) * sizeof(float))};
  };
  for (const ParamSpec& p : plan.params)
    if (std::find(leave_out.begin(), leave_out.end(), p.name) == leave_out.end()) add(prefix + p.name, p.dims);
  for (const auto& [tensor, dims] : extra) add(tensor, dims);
  const auto path = std::filesystem::temp_directory_path() /
                    ("expt-init-from-" + name + "-" + std::to_string(::getpid()) + ".safetensors");
  safetensors::write(path, file);
  return path;
}

std::string with_init_from(const std::string& body) {
  return edited(small_config, "    - {type: dense, name: logits, units: classes}\n",
                "    - {type: dense, name: logits, units: classes}\n  init_from: " + body + "\n");
}

}  // namespace

TEST_CASE("init_from: a fitting file loads and is written to the resolved config") {
  const auto path = weights_file("fits", "");
  const ExperimentConfig c = load_config_text(with_init_from("{path: " + path.string() + "}"), "test.yaml");
  CHECK(c.init_from.path == path);
  CHECK(c.init_from.strict);
  CHECK(c.resolved_yaml.find("init_from:") != std::string::npos);
  const ExperimentConfig again = load_config_text(c.resolved_yaml, "resolved.yaml");
  CHECK(again.resolved_yaml == c.resolved_yaml);
  CHECK(load_config_text(small_config, "test.yaml").resolved_yaml.find("init_from") == std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("init_from: a shape that differs names the tensor and both shapes") {
  const auto path = weights_file("shape", "", {}, {"logits.weight"});
  const std::string yaml = with_init_from("{path: " + path.string() + ", strict: false}");
  // Put a wrong-shaped logits.weight in: the model's is [3, 64].
  safetensors::File file = safetensors::read(path);
  file.tensors["logits.weight"] = {"F32", {3, 35}, std::vector<std::byte>(3 * 35 * sizeof(float))};
  safetensors::write(path, file);
  CHECK(load_error(yaml) == "weights that do not fit at model.init_from.path (" + position_of(yaml, path.string()) +
                                "): " + path.string() +
                                ": tensor 'logits.weight' has shape [3, 35] in the file but logits.weight needs [3, 64]");
  std::filesystem::remove(path);
}

TEST_CASE("init_from: strict lists the missing and the unused tensors; not strict loads") {
  const auto path = weights_file("strict", "", {{"conv9.weight", {2}}, {"optimizer.conv1.weight.exp_avg", {1}}},
                                 {"conv1.bias"});
  const std::string message = load_error(with_init_from("{path: " + path.string() + "}"));
  CHECK(message.find("1 tensor(s) missing from the file: conv1.bias") != std::string::npos);
  CHECK(message.find("1 tensor(s) of the file unused by the model: conv9.weight") != std::string::npos);
  // Only the listed layers' tensors count: conv9 is not one of them, and logits loads whole.
  CHECK_NOTHROW(load_config_text(with_init_from("{path: " + path.string() + ", layers: [logits]}"), "test.yaml"));
  CHECK_NOTHROW(load_config_text(with_init_from("{path: " + path.string() + ", strict: false}"), "test.yaml"));
  std::filesystem::remove(path);
}

TEST_CASE("init_from: rename maps the file's layer names to ours") {
  const auto path = weights_file("rename", "");
  {
    safetensors::File file = safetensors::read(path);
    file.tensors["features.0.weight"] = file.tensors.at("conv1.weight");
    file.tensors["features.0.bias"] = file.tensors.at("conv1.bias");
    file.tensors.erase("conv1.weight");
    file.tensors.erase("conv1.bias");
    safetensors::write(path, file);
  }
  const std::string plain = with_init_from("{path: " + path.string() + "}");
  CHECK(load_error(plain).find("missing from the file: conv1.weight, conv1.bias") != std::string::npos);
  const ExperimentConfig c =
      load_config_text(with_init_from("{path: " + path.string() + ", rename: {features.0: conv1}}"), "test.yaml");
  const InitFromMatch match = match_init_from(c.init_from, plan_network(c.layers, c.input, c.classes),
                                              safetensors::read_header(path));
  CHECK(match.problems.empty());
  REQUIRE(match.pairs.size() == 4);
  CHECK(match.pairs[0].tensor == "features.0.weight");
  std::filesystem::remove(path);
}

TEST_CASE("init_from: unknown layers, a missing file and a missing path are config errors with positions") {
  const auto path = weights_file("names", "");
  const std::string typo = with_init_from("{path: " + path.string() + ", layers: [conv2]}");
  CHECK(load_error(typo) == "unknown layer at model.init_from.layers[0] (" + position_of(typo, "conv2]") +
                                "): no layer is named 'conv2'; did you mean 'conv1'?");
  const std::string rename = with_init_from("{path: " + path.string() + ", rename: {a: logit}}");
  CHECK(load_error(rename).starts_with("unknown layer at model.init_from.rename.a (" + position_of(rename, "logit}")));
  const std::string absent = with_init_from("{path: /nonexistent/w.safetensors}");
  CHECK(load_error(absent).starts_with("unreadable file at model.init_from.path (" +
                                       position_of(absent, "/nonexistent") + "): cannot read checkpoint"));
  CHECK(load_error(with_init_from("{strict: false}")).starts_with("missing key 'path' at model.init_from"));
  std::filesystem::remove(path);
}

TEST_CASE("trainable and lr_multiplier reach the plan's parameters and the resolved config") {
  const std::string yaml = edited(small_config, "activation: relu}", "activation: relu, trainable: false}");
  const ExperimentConfig c = load_config_text(yaml, "test.yaml", {"model.layers.logits.lr_multiplier=0.5"});
  const NetworkPlan plan = plan_network(c.layers, c.input, c.classes);
  for (const ParamSpec& p : plan.params) {
    CAPTURE(p.name);
    CHECK(p.trainable == !p.name.starts_with("conv1."));
    CHECK(p.lr_multiplier == (p.name.starts_with("logits.") ? 0.5 : 1.0));
  }
  CHECK(plan.first_trained_layer() == 3);
  CHECK(c.resolved_yaml.find("trainable: false") != std::string::npos);
  CHECK(c.resolved_yaml.find("lr_multiplier: 0.5") != std::string::npos);
  CHECK(load_config_text(c.resolved_yaml, "resolved.yaml").resolved_yaml == c.resolved_yaml);
  // Defaults are not written, so configs without the keys keep their text and hash.
  const std::string plain = load_config_text(small_config, "test.yaml").resolved_yaml;
  CHECK(plain.find("trainable") == std::string::npos);
  CHECK(plain.find("lr_multiplier") == std::string::npos);
  CHECK(plain.find("checkpoint_keep_every_epochs") == std::string::npos);
}

TEST_CASE("a negative lr_multiplier, and a network with nothing left to train, are config errors") {
  const std::string negative = edited(small_config, "units: classes}", "units: classes, lr_multiplier: -1}");
  CHECK(load_error(negative).starts_with("value out of range at model.layers[3].lr_multiplier (" +
                                         position_of(negative, "-1}")));
  const std::string frozen = edited(edited(small_config, "activation: relu}", "activation: relu, trainable: false}"),
                                    "units: classes}", "units: classes, trainable: false}");
  CHECK(load_error(frozen) == "test.yaml: model.layers: every layer with parameters has `trainable: false`, so "
                              "training would change nothing; leave at least one trainable");
}
