#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "event_reader.hpp"
#include "fake_network.hpp"
#include "png_decode.hpp"
#include "tb_graph.pb.h"
#include "tb_hparams.pb.h"
#include "tensorboard/histogram.hpp"
#include "tensorboard/hparams.hpp"
#include "tensorboard/image_grid.hpp"
#include "tensorboard/tensorboard_observer.hpp"

using namespace expt;
using namespace expt::test;
namespace fs = std::filesystem;

namespace {

// Kept after the test: the sweep TensorBoard's own reader was pointed at (docs/tensorboard.md).
const fs::path kSweep = fs::path(EXPT_BINARY_DIR) / "test_output" / "tensorboard_observer" / "sweep";

std::string run_yaml(double learning_rate) {
  return "name: tiny\nseed: 1\ntraining:\n  epochs: 2\n  optimizer:\n    kind: sgd\n    learning_rate: " +
         std::to_string(learning_rate) + "\n  dropout: true\nmodel:\n  layers:\n    - {type: conv2d, filters: 4}\n";
}

struct Fixture {
  ExperimentConfig config;
  NetworkPlan plan = small_plan();
  Dataset data;
  FakeNetwork net{small_plan()};
  RunContext ctx;

  Fixture(const fs::path& run_dir, double learning_rate) {
    fs::remove_all(run_dir);
    config.training.log_every_steps = 10;
    config.tensorboard.histograms_every_steps = 20;
    config.tensorboard.images_every_steps = 50;
    config.tensorboard.flush_seconds = 0.5;
    config.resolved_yaml = run_yaml(learning_rate);
    data.test.shape = data.train.shape = plan.input;
    for (int i = 0; i < 2 * plan.input.size(); ++i) data.test.pixels.push_back(static_cast<uint8_t>(i % 200 + 10));
    data.test.labels = {2, 1};
    data.normalization.mean.assign(static_cast<size_t>(plan.input.size()), 10.0f);
    data.normalization.inv_std.assign(static_cast<size_t>(plan.input.size()), 0.5f);
    ctx = RunContext{&config, &plan, &data, run_dir, "fake", "test", 50, 0};
  }
};

StepLog step_log(uint64_t step) {
  StepLog log;
  log.step = step;
  log.epoch = static_cast<int64_t>((step - 1) / 50);
  log.learning_rate = 0.1 / static_cast<double>(step);
  log.train = {2.0 * 32 / static_cast<double>(step), static_cast<int64_t>(step / 5), 32};
  log.test = {3.0 * 32 / static_cast<double>(step), static_cast<int64_t>(step / 10), 32};
  log.step_ms = 12.5;
  log.images_per_second = 2560;
  return log;
}

EpochLog epoch_log(int64_t epoch) {
  EpochLog log;
  log.epoch = epoch;
  log.step = static_cast<uint64_t>(50 * (epoch + 1));
  log.train = {100.0, 800 + 50 * epoch, 1000};     // 0.80, 0.85
  log.test = {40.0, epoch == 0 ? 150 : 140, 200};  // 0.75, 0.70: the best is the first
  return log;
}

// Drives one two-epoch run of 100 steps, as the trainer would.
void train(Fixture& f, TrainingObserver& obs, RunStatus status = RunStatus::completed) {
  obs.on_start(f.ctx, f.net);
  for (uint64_t step = 10; step <= 100; step += 10) {
    f.net.advance(step);
    obs.on_log(step_log(step), f.net);
    if (step % 50 == 0) obs.on_epoch(epoch_log(static_cast<int64_t>(step / 50 - 1)), f.net);
  }
  obs.on_end(RunEnd{status, status == RunStatus::completed ? "" : "the loss became nan", 100}, f.net);
}

std::vector<int64_t> steps_of(const std::vector<tb::Event>& events, const std::string& tag) {
  std::vector<int64_t> steps;
  for (const auto& v : values_with_tag(events, tag)) steps.push_back(v.step);
  return steps;
}

std::set<std::string> tags_of(const std::vector<tb::Event>& events) {
  std::set<std::string> tags;
  for (const auto& e : events)
    for (const auto& v : e.summary().value()) tags.insert(v.tag());
  return tags;
}

tb::HParamsPluginData hparams_data(const std::vector<tb::Event>& events, const std::string& tag) {
  const auto found = values_with_tag(events, tag);
  REQUIRE(found.size() == 1);
  tb::HParamsPluginData data;
  REQUIRE(data.ParseFromString(found[0].value.metadata().plugin_data().content()));
  return data;
}

}  // namespace

TEST_CASE("a run's train, test and session logs hold every tag at the configured steps") {
  Fixture f(kSweep / "run-a", 0.1);
  auto obs = make_tensorboard_observer();
  train(f, *obs);

  const auto train_events = read_events(single_event_file(f.ctx.run_dir / "tensorboard" / "train"));
  const auto test_events = read_events(single_event_file(f.ctx.run_dir / "tensorboard" / "test"));
  const auto session_events = read_events(single_event_file(f.ctx.run_dir / "tensorboard"));

  const std::vector<int64_t> every_log{10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
  for (const char* tag : {"loss", "accuracy"}) {
    CHECK(steps_of(train_events, tag) == every_log);
    CHECK(steps_of(test_events, tag) == every_log);
  }
  for (const char* tag : {"learning_rate", "images_per_second", "step_ms"}) {
    CHECK(steps_of(train_events, tag) == every_log);
    CHECK(steps_of(test_events, tag).empty());
  }
  const auto loss30 = values_with_tag(train_events, "loss")[2].value.simple_value();
  CHECK(loss30 == static_cast<float>(2.0 / 30));
  CHECK(values_with_tag(test_events, "accuracy")[9].value.simple_value() == static_cast<float>(10.0 / 32));
  CHECK(values_with_tag(train_events, "learning_rate")[0].value.simple_value() == static_cast<float>(0.01));

  for (const char* tag : {"epoch/loss", "epoch/accuracy"}) {
    CHECK(steps_of(train_events, tag) == std::vector<int64_t>{50, 100});
    CHECK(steps_of(test_events, tag) == std::vector<int64_t>{50, 100});
  }
  CHECK(values_with_tag(test_events, "epoch/accuracy")[1].value.simple_value() == 0.70f);

  // Histograms at the start and every 20 steps; gradients only once a backward has run.
  CHECK(steps_of(train_events, "parameters/conv1.weight") == std::vector<int64_t>{0, 20, 40, 60, 80, 100});
  CHECK(steps_of(train_events, "parameters/fc.bias") == std::vector<int64_t>{0, 20, 40, 60, 80, 100});
  CHECK(steps_of(train_events, "gradients/conv2.weight") == std::vector<int64_t>{20, 40, 60, 80, 100});
  {
    FakeNetwork at40(small_plan());
    at40.advance(40);
    std::vector<float> w(4 * 3 * 3 * 3);
    at40.read_parameter(0, w);
    const auto expected = make_histogram(w);
    const auto h = values_with_tag(train_events, "parameters/conv1.weight")[2].value.histo();
    CHECK(h.num() == 108);
    CHECK(h.sum() == expected.sum());
    CHECK(h.bucket_size() == expected.bucket_size());
  }

  // Images at the start and every 50 steps, from a forward pass of the first test image.
  const std::vector<int64_t> image_steps{0, 50, 100};
  for (const char* tag : {"filters/conv1", "input/test_image", "activations/conv1", "activations/conv2"})
    CHECK_MESSAGE(steps_of(train_events, tag) == image_steps, tag);
  CHECK(tags_of(train_events).count("activations/pool1") == 0);
  REQUIRE(f.net.forwards.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(f.net.forwards[i].n == 1);
    CHECK(f.net.forwards[i].phase == Phase::eval);
    CHECK(f.net.forwards[i].step == static_cast<uint64_t>(image_steps[i]));
    CHECK(f.net.forwards[i].first_pixel == (10.0f - 10.0f) * 0.5f);
  }
  const auto act = values_with_tag(train_events, "activations/conv2")[1].value.image();
  std::vector<float> conv2(static_cast<size_t>(f.plan.layers[2].out.size()));
  f.net.read_activation(2, conv2);
  const Image8 expected = feature_map_grid(conv2, f.plan.layers[2].out);
  const Image8 decoded = decode_png(act.encoded_image_string());
  CHECK(act.width() == expected.width);
  CHECK(act.height() == expected.height);
  CHECK(act.colorspace() == 1);
  CHECK(decoded.pixels == expected.pixels);
  const auto filters = values_with_tag(train_events, "filters/conv1")[0].value.image();
  CHECK(filters.colorspace() == 3);
  CHECK(decode_png(filters.encoded_image_string()).channels == 3);

  // The graph, once, on the train run.
  int graphs = 0;
  for (const auto& e : train_events)
    if (e.has_graph_def()) {
      ++graphs;
      tb::GraphDef g;
      CHECK(g.ParseFromString(e.graph_def()));
      CHECK(g.node_size() > 10);
    }
  CHECK(graphs == 1);

  // Session folder: config text, hparams start and end, run metrics per epoch.
  const auto config = values_with_tag(session_events, "config");
  REQUIRE(config.size() == 1);
  CHECK(config[0].value.metadata().plugin_data().plugin_name() == "text");
  CHECK(config[0].value.tensor().string_val(0).find("    training:\n      epochs: 2") != std::string::npos);
  const auto start = hparams_data(session_events, "_hparams_/session_start_info");
  CHECK(start.session_start_info().hparams().at("training.optimizer.learning_rate").number_value() == 0.1);
  CHECK(start.session_start_info().hparams().at("training.optimizer.kind").string_value() == "sgd");
  CHECK(hparams_data(session_events, "_hparams_/session_end_info").session_end_info().status() == tb::STATUS_SUCCESS);
  CHECK(steps_of(session_events, kFinalTestAccuracyTag) == std::vector<int64_t>{50, 100});
  CHECK(values_with_tag(session_events, kFinalTestAccuracyTag)[1].value.simple_value() == 0.70f);
  CHECK(values_with_tag(session_events, kBestTestAccuracyTag)[1].value.simple_value() == 0.75f);
  CHECK(values_with_tag(session_events, kTrainTestGapTag)[1].value.simple_value() == doctest::Approx(0.15));
  CHECK(tags_of(session_events).count("run_end") == 0);
}

TEST_CASE("a diverged run ends as a failure with its reason; the sweep gets its experiment summary") {
  Fixture f(kSweep / "run-b", 0.5);
  auto obs = make_tensorboard_observer();
  train(f, *obs, RunStatus::diverged);
  const auto session_events = read_events(single_event_file(f.ctx.run_dir / "tensorboard"));
  CHECK(hparams_data(session_events, "_hparams_/session_end_info").session_end_info().status() == tb::STATUS_FAILURE);
  const auto end = values_with_tag(session_events, "run_end");
  REQUIRE(end.size() == 1);
  CHECK(end[0].value.tensor().string_val(0) == "diverged: the loss became nan");

  for (const auto& entry : fs::directory_iterator(kSweep))
    if (entry.is_regular_file()) fs::remove(entry.path());
  write_sweep_hparams(kSweep, {{"training.optimizer.learning_rate", {0.1, 0.5}}}, "two learning rates");
  CHECK(values_with_tag(read_events(single_event_file(kSweep)), "_hparams_/experiment").size() == 1);
}

TEST_CASE("a resumed run writes new files, drops steps after its checkpoint and ends the session once") {
  Fixture f(kSweep.parent_path() / "resumed", 0.1);
  auto first = make_tensorboard_observer();
  train(f, *first, RunStatus::interrupted);

  f.ctx.first_step = 60;
  auto second = make_tensorboard_observer();
  second->on_start(f.ctx, f.net);
  second->on_end(RunEnd{RunStatus::completed, "", 60}, f.net);

  const fs::path root = f.ctx.run_dir / "tensorboard";
  for (const fs::path& dir : {root, root / "train", root / "test"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
    REQUIRE(files.size() == 2);
    std::sort(files.begin(), files.end());   // TensorBoard reads them in name (= time) order
    // Each process starts with a START at the first step it trains; the second one is what
    // makes TensorBoard drop the first process's steps from 61 on.
    for (size_t i = 0; i < 2; ++i) {
      const auto events = read_events(files[i]);
      REQUIRE(events.size() > 1);
      CHECK(events[1].session_log().status() == tb::SessionLog::START);
      CHECK(events[1].step() == (i == 0 ? 1 : 61));
    }
    const auto resumed = read_events(files[1]);
    for (const auto& e : resumed) CHECK_FALSE(e.has_graph_def());
    CHECK(steps_of(resumed, "parameters/conv1.weight").empty());
    CHECK(steps_of(resumed, "_hparams_/session_start_info").empty());
  }
  // Interrupted: no end record yet, so the resumed run's is the one TensorBoard keeps.
  std::vector<int64_t> end_steps;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_regular_file())
      for (const auto s : steps_of(read_events(e.path()), "_hparams_/session_end_info")) end_steps.push_back(s);
  CHECK(end_steps == std::vector<int64_t>{60});
}

TEST_CASE("with tensorboard.enabled false nothing is written") {
  Fixture f(kSweep.parent_path() / "disabled", 0.1);
  f.config.tensorboard.enabled = false;
  auto obs = make_tensorboard_observer();
  train(f, *obs);
  CHECK_FALSE(fs::exists(f.ctx.run_dir / "tensorboard"));
  CHECK(f.net.forwards.empty());
}

TEST_CASE("a folder that cannot be written fails on_start with IoError, and on_end still closes the rest") {
  Fixture f(kSweep.parent_path() / "blocked", 0.1);
  fs::create_directories(f.ctx.run_dir / "tensorboard");
  std::ofstream(f.ctx.run_dir / "tensorboard" / "train") << "a file where the folder should be";
  auto obs = make_tensorboard_observer();
  CHECK_THROWS_AS(obs->on_start(f.ctx, f.net), IoError);
  obs->on_end(RunEnd{RunStatus::failed, "cannot create the train folder", 0}, f.net);
  const auto session = read_events(single_event_file(f.ctx.run_dir / "tensorboard"));
  CHECK(values_with_tag(session, "run_end").size() == 1);
}
