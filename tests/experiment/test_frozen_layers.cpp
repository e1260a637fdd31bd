// `trainable: false` and `lr_multiplier` in a run: frozen weights stay bit for bit what they
// started as while the others train, on every CPU backend, and the memory estimate drops by
// their gradients and optimizer state.
#include <doctest/doctest.h>

#include <filesystem>
#include <numeric>

#include "config/load_config.hpp"
#include "core/safetensors.hpp"
#include "experiment/memory_check.hpp"
#include "run_test_support.hpp"

using namespace expt;

namespace {

double parameter_memory(const ExperimentConfig& cfg) {
  const NetworkPlan plan = plan_network(cfg.layers, cfg.input, cfg.classes);
  for (const MemoryConsumer& c : memory_consumers(cfg, plan))
    if (c.what == "parameters, gradients and optimizer state") return c.bytes;
  FAIL("no parameter memory in the estimate");
  return 0;
}

}  // namespace

TEST_CASE("frozen layers: their weights are bit-identical after training, the others changed") {
  for (const std::string backend : {"reference", "onednn"}) {
    CAPTURE(backend);
    const auto results = fresh_results("frozen-" + backend);
    const auto cfg = load_config_text(quick_config(results), "quick.yaml",
                                      {"backend=" + backend, "training.epochs=2", "training.checkpoint_initial=true",
                                       "model.layers.conv1.trainable=false", "model.layers.fc1.trainable=false"});
    const RunOutcome out = run_experiment(cfg, quiet());
    REQUIRE(out.exit_code == ExitCode::ok);
    const auto start = safetensors::read(out.run_dir / "checkpoints" / "step-0.safetensors");
    const auto end = safetensors::read(out.run_dir / "checkpoints" / "last.safetensors");
    for (const char* frozen : {"conv1.weight", "conv1.bias", "fc1.weight", "fc1.bias"}) {
      CAPTURE(frozen);
      CHECK(start.tensors.at(frozen).data == end.tensors.at(frozen).data);
      CHECK(end.tensors.count(std::string("optimizer.") + frozen + ".exp_avg") == 0);
    }
    CHECK(start.tensors.at("logits.weight").data != end.tensors.at("logits.weight").data);
    CHECK(end.tensors.count("optimizer.logits.weight.exp_avg") == 1);
    std::filesystem::remove_all(results);
  }
}

TEST_CASE("frozen layers: the memory estimate loses their gradients and optimizer state") {
  const auto cfg = load_config_text(quick_config("unused"), "quick.yaml");
  const auto frozen = load_config_text(quick_config("unused"), "quick.yaml", {"model.layers.fc1.trainable=false"});
  const NetworkPlan plan = plan_network(cfg.layers, cfg.input, cfg.classes);
  int64_t fc1 = 0;
  for (const ParamSpec& p : plan.params)
    if (p.name.starts_with("fc1.")) fc1 += p.size();
  // Adam: a gradient and two state slots per trainable float; the weights themselves stay.
  CHECK(parameter_memory(cfg) - parameter_memory(frozen) == doctest::Approx(4.0 * 3 * static_cast<double>(fc1)));
  CHECK(plan_network(frozen.layers, frozen.input, frozen.classes).parameter_count() == plan.parameter_count() - fc1);
}

TEST_CASE("lr_multiplier: SGD moves a layer by its multiple of the step, and 0 holds it") {
  auto step_from_start = [](const std::vector<std::string>& overrides, const std::string& tensor) {
    std::vector<std::string> all{"training.optimizer={type: sgd, learning_rate: 0.1}"};
    all.insert(all.end(), overrides.begin(), overrides.end());
    const auto cfg = load_config_text(quick_config("unused"), "quick.yaml", all);
    auto net = reference_network(cfg);
    size_t index = 0;
    while (net->plan().params[index].name != tensor) ++index;
    std::vector<float> before(static_cast<size_t>(net->plan().params[index].size())), after(before.size());
    net->read_parameter(index, before);
    std::vector<float> images(static_cast<size_t>(4 * cfg.input.size()));
    for (size_t i = 0; i < images.size(); ++i) images[i] = static_cast<float>(i % 7) / 7.0f - 0.4f;
    const std::vector<int32_t> labels{0, 1, 2, 1};
    net->forward(HostBatch{4, images, labels}, Phase::train, 0);
    net->backward();
    net->update(cfg.training.optimizer.learning_rate, 1);
    net->read_parameter(index, after);
    std::vector<double> delta(before.size());
    for (size_t i = 0; i < before.size(); ++i) delta[i] = static_cast<double>(after[i]) - before[i];
    return delta;
  };
  const auto once = step_from_start({}, "fc1.weight");
  const auto twice = step_from_start({"model.layers.fc1.lr_multiplier=2"}, "fc1.weight");
  const auto held = step_from_start({"model.layers.fc1.lr_multiplier=0"}, "fc1.weight");
  double moved = 0;
  for (size_t i = 0; i < once.size(); ++i) {
    CHECK(twice[i] == doctest::Approx(2 * once[i]).epsilon(1e-3).scale(1e-4));
    CHECK(held[i] == 0);
    moved += std::abs(once[i]);
  }
  CHECK(moved > 0);
}
