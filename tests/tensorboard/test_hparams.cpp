#include <doctest/doctest.h>

#include <filesystem>

#include "core/error.hpp"
#include "event_reader.hpp"
#include "tb_hparams.pb.h"
#include "tensorboard/hparams.hpp"

using namespace expt;
namespace fs = std::filesystem;

namespace {

tb::HParamsPluginData plugin_data(const tb::Summary::Value& v) {
  REQUIRE(v.metadata().plugin_data().plugin_name() == "hparams");
  tb::HParamsPluginData data;
  REQUIRE(data.ParseFromString(v.metadata().plugin_data().content()));
  CHECK(data.version() == 0);
  // The plugin's values carry an empty float tensor.
  CHECK(v.tensor().dtype() == tb::DT_FLOAT);
  CHECK(v.tensor().tensor_shape().dim(0).size() == 0);
  return data;
}

}  // namespace

TEST_CASE("config scalars flatten to dotted keys with their YAML types") {
  const auto h = flatten_hparams(R"(
name: mnist
seed: 42
training:
  optimizer: {kind: adam, learning_rate: 1.0e-3}
  dropout: true
model:
  layers:
    - {type: conv2d, filters: 32}
    - {type: dense, units: 10}
data:
  root: ~
  label: "007"
)");
  CHECK(std::get<std::string>(h.at("name")) == "mnist");
  CHECK(std::get<double>(h.at("seed")) == 42);
  CHECK(std::get<double>(h.at("training.optimizer.learning_rate")) == 1e-3);
  CHECK(std::get<std::string>(h.at("training.optimizer.kind")) == "adam");
  CHECK(std::get<bool>(h.at("training.dropout")) == true);
  CHECK(std::get<double>(h.at("model.layers.0.filters")) == 32);
  CHECK(std::get<double>(h.at("model.layers.1.units")) == 10);
  CHECK(std::get<std::string>(h.at("data.label")) == "007");   // quoted: stays a string
  CHECK(h.count("data.root") == 0);                             // null: left out
  CHECK_THROWS_AS(flatten_hparams("a: [unclosed"), ConfigError);
}

TEST_CASE("session start and end summaries carry the hparams plugin's data") {
  const auto start = plugin_data(session_start_summary({{"lr", 0.1}, {"opt", std::string("sgd")}, {"bn", false}}, 1000.5));
  REQUIRE(start.has_session_start_info());
  const auto& hp = start.session_start_info().hparams();
  CHECK(hp.at("lr").number_value() == 0.1);
  CHECK(hp.at("opt").string_value() == "sgd");
  CHECK(hp.at("bn").bool_value() == false);
  CHECK(hp.at("bn").kind_case() == google::protobuf::Value::kBoolValue);
  CHECK(start.session_start_info().start_time_secs() == 1000.5);

  CHECK(plugin_data(session_end_summary(RunStatus::completed, 2)).session_end_info().status() == tb::STATUS_SUCCESS);
  CHECK(plugin_data(session_end_summary(RunStatus::diverged, 2)).session_end_info().status() == tb::STATUS_FAILURE);
  CHECK(plugin_data(session_end_summary(RunStatus::failed, 2)).session_end_info().status() == tb::STATUS_FAILURE);
}

TEST_CASE("a sweep's experiment summary names its hyperparameters and the run metrics") {
  const fs::path root = fs::path(EXPT_BINARY_DIR) / "test_output" / "tensorboard_hparams" / "sweep";
  fs::remove_all(root);
  write_sweep_hparams(root,
                      {{"training.optimizer.learning_rate", {0.1, 0.01}},
                       {"training.optimizer.kind", {std::string("sgd"), std::string("adam")}}},
                      "learning-rate sweep");
  const auto events = test::read_events(test::single_event_file(root));
  const auto found = test::values_with_tag(events, "_hparams_/experiment");
  REQUIRE(found.size() == 1);
  const auto data = plugin_data(found[0].value);
  REQUIRE(data.has_experiment());
  const auto& e = data.experiment();
  CHECK(e.description() == "learning-rate sweep");
  REQUIRE(e.hparam_infos_size() == 2);
  CHECK(e.hparam_infos(0).name() == "training.optimizer.learning_rate");
  CHECK(e.hparam_infos(0).type() == tb::DATA_TYPE_FLOAT64);
  CHECK(e.hparam_infos(0).domain_discrete().values(1).number_value() == 0.01);
  CHECK(e.hparam_infos(1).type() == tb::DATA_TYPE_STRING);
  REQUIRE(e.metric_infos_size() == 3);
  CHECK(e.metric_infos(0).name().tag() == kFinalTestAccuracyTag);
  CHECK(e.metric_infos(1).name().tag() == kBestTestAccuracyTag);
  CHECK(e.metric_infos(2).name().tag() == kTrainTestGapTag);

  CHECK_THROWS_AS(write_sweep_hparams(root / "mixed", {{"x", {1.0, std::string("a")}}}, ""), Error);
}
