// Batch norm's running statistics in the run folder: saved under PyTorch's names without
// optimizer state, and restored by the checkpoint load that --resume uses.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>

#include "config/load_config.hpp"
#include "experiment/checkpoint.hpp"
#include "core/safetensors.hpp"
#include "run_test_support.hpp"

using namespace expt;
namespace fs = std::filesystem;

namespace {

std::string batch_norm_config(const fs::path& results) {
  std::string yaml = quick_config(results);
  const std::string pool = "    - {type: max_pool, name: pool1, size: 2}\n";
  return yaml.replace(yaml.find(pool), pool.size(), "    - {type: batch_norm, name: bn1, momentum: 0.2}\n" + pool);
}

float scalar_of(const safetensors::Tensor& t) {
  float v = 0;
  std::memcpy(&v, t.data.data(), sizeof v);
  return v;
}

}  // namespace

TEST_CASE("checkpoint: batch norm's running statistics under PyTorch's names, without optimizer state") {
  const auto results = fresh_results("batch-norm");
  const auto cfg = load_config_text(batch_norm_config(results), "quick.yaml", {"training.epochs=2"});
  const RunOutcome run = run_experiment(cfg, quiet());
  REQUIRE(run.report.status == RunStatus::completed);
  const safetensors::File file = safetensors::read(run.run_dir / "checkpoints" / "last.safetensors");
  for (const char* name : {"bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"}) {
    CAPTURE(name);
    REQUIRE(file.tensors.count(name));
    CHECK(file.tensors.at(name).shape == std::vector<int64_t>{4});
  }
  REQUIRE(file.tensors.count("bn1.num_batches_tracked"));
  CHECK(file.tensors.at("bn1.num_batches_tracked").shape.empty());
  CHECK(scalar_of(file.tensors.at("bn1.num_batches_tracked")) == 24);  // 2 epochs of 240 / 20
  CHECK(file.tensors.count("optimizer.bn1.weight.exp_avg"));
  CHECK_FALSE(file.tensors.count("optimizer.bn1.running_mean.exp_avg"));
  fs::remove_all(results);
}

TEST_CASE("checkpoint: loading restores the running statistics, so evaluation agrees") {
  const auto results = fresh_results("batch-norm-load");
  const auto cfg = load_config_text(batch_norm_config(results), "quick.yaml");
  const auto trained = reference_network(cfg);
  const NetworkPlan& plan = trained->plan();
  const OptimizerConfig::Kind kind = cfg.training.optimizer.kind;
  std::vector<float> batch(static_cast<size_t>(2 * plan.input.size()));
  for (size_t i = 0; i < batch.size(); ++i) batch[i] = static_cast<float>(i % 7) * 0.1f;
  const std::vector<int32_t> labels{0, 1};
  for (uint64_t step = 0; step < 3; ++step) {
    trained->forward(HostBatch{2, batch, labels}, Phase::train, step);
    trained->backward();
    trained->update(0.01, step + 1);
  }
  const fs::path path = results / "bn.safetensors";
  fs::create_directories(results);
  save_checkpoint(path, *trained, kind, CheckpointInfo{3, 0, "hash"}, true);
  const auto restored = reference_network(cfg);
  load_checkpoint(path, *restored, kind);
  for (size_t p = 0; p < plan.params.size(); ++p) {
    CAPTURE(plan.params[p].name);
    std::vector<float> a(static_cast<size_t>(plan.params[p].size())), b(a.size());
    trained->read_parameter(p, a);
    restored->read_parameter(p, b);
    CHECK(a == b);
  }
  const BatchMetrics before = trained->forward(HostBatch{2, batch, labels}, Phase::eval, 3);
  const BatchMetrics after = restored->forward(HostBatch{2, batch, labels}, Phase::eval, 3);
  CHECK(before.loss_sum == after.loss_sum);
  fs::remove_all(results);
}
