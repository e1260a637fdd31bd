// expt visualize's pictures of a real (small, synthetic) run: the filter animation has a frame
// per kept checkpoint, and the feature maps decode to the size of their grid.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "config/load_config.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/safetensors.hpp"
#include "data/image_decode.hpp"
#include "experiment/run.hpp"
#include "gif_decode.hpp"
#include "visualize/feature_maps.hpp"
#include "visualize/filter_animation.hpp"
#include "visualize/gif_encode.hpp"

using namespace expt;
using namespace expt::test;

namespace {

std::filesystem::path trained_run(const std::filesystem::path& results, const std::string& training) {
  const std::string yaml = R"(
name: pictures
seed: 3
backend: reference
results_dir: )" + results.string() + R"(
data: {dataset: synthetic, image_size: [12, 12], channels: 3, synthetic: {classes: 3, train: 60, test: 20}}
model:
  layers:
    - {type: conv2d, name: conv1, filters: 4, kernel: 3, activation: relu}
    - {type: max_pool, name: pool1, size: 2}
    - {type: dense, name: logits, units: classes}
training: )" + training + R"(
tensorboard: {enabled: false}
)";
  RunOptions quiet;
  quiet.quiet = true;
  return run_experiment(load_config_text(yaml, "pictures.yaml"), quiet).run_dir;
}

std::filesystem::path scratch(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("expt-visualize-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace

TEST_CASE("visualize: one GIF frame per kept checkpoint, labelled, all one size") {
  const auto results = scratch("gif");
  const auto run = trained_run(results, "{epochs: 3, batch_size: 20, checkpoint_initial: true, "
                                        "checkpoint_keep_every_epochs: 1}");
  const auto checkpoints = run_checkpoints(run);
  REQUIRE(checkpoints.size() == 4);  // step 0 and epochs 1 to 3 (last and best repeat epochs' steps)
  CHECK(checkpoints[0].step == 0);
  CHECK(checkpoints[3].step == 9);

  const std::vector<Image8> frames = filter_frames(checkpoints, "conv1");
  const DecodedGif gif = decode_gif(encode_gif(frames, 50));
  CHECK(gif.frames.size() == 4);
  CHECK(gif.width == frames[0].width);
  CHECK(gif.height == frames[0].height);
  // 4 RGB 3x3 filters, each enlarged to 33x33, 2 by 2 with a 1-pixel gutter, below a 16-pixel label strip.
  CHECK(gif.width == 67);
  CHECK(gif.height == 67 + 16);
  CHECK(gif.frames[0] != gif.frames[3]);  // the filters trained

  CHECK_THROWS_WITH_AS(filter_frames(checkpoints, "pool1"), doctest::Contains("its conv layers: conv1"), ReadError);
  std::filesystem::remove_all(results);
}

TEST_CASE("visualize: frames are one size when the step labels differ in width") {
  const auto dir = scratch("labels");
  std::filesystem::create_directories(dir);
  std::vector<SavedCheckpoint> checkpoints;
  for (const uint64_t step : {0, 120000}) {
    safetensors::File file;
    file.metadata["step"] = std::to_string(step);
    file.tensors["conv1.weight"] = {"F32", {2, 1, 3, 3}, std::vector<std::byte>(18 * sizeof(float))};
    const auto path = dir / fmt::format("step-{}.safetensors", step);
    safetensors::write(path, file);
    checkpoints.push_back({path, step});
  }
  const std::vector<Image8> frames = filter_frames(checkpoints, "conv1");
  REQUIRE(frames.size() == 2);
  CHECK(frames[0].width == frames[1].width);
  CHECK(frames[0].width > 33);  // the one-column grid of grey tiles is narrower than "step 120000"
  CHECK(decode_gif(encode_gif(frames, 50)).frames.size() == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("visualize: a run that kept only its last checkpoint gives one frame") {
  const auto results = scratch("one");
  const auto run = trained_run(results, "{epochs: 1, batch_size: 20}");
  CHECK(run_checkpoints(run).size() == 1);  // last and best of the one epoch: the same step
  std::filesystem::remove_all(results);
}

TEST_CASE("visualize: feature maps of an image decode to their grid's size") {
  const auto results = scratch("maps");
  const auto run = trained_run(results, "{epochs: 1, batch_size: 20}");
  Image8 photo{20, 16, 3, {}};
  for (int i = 0; i < 20 * 16 * 3; ++i) photo.pixels.push_back(static_cast<uint8_t>(i * 13));
  const auto image = results / "photo.png";
  write_file_atomically(image, encode_png(photo));

  const TrainedRun trained = open_trained_run(run / "checkpoints" / "last.safetensors", {});
  const TrainedNetwork net = build_trained_network(trained, 1);
  const std::string png = encode_png(feature_maps(trained, *net.network, image, "conv1"));
  const DecodedImage decoded =
      decode_png(std::span(reinterpret_cast<const uint8_t*>(png.data()), png.size()), 1);
  // 4 maps of 12x12, each enlarged 3 times, 2 by 2 with a 1-pixel gutter.
  CHECK(decoded.width == 73);
  CHECK(decoded.height == 73);
  CHECK_THROWS_WITH_AS(feature_maps(trained, *net.network, image, "conv9"), doctest::Contains("its layers: conv1, pool1, logits"),
                       ConfigError);
  std::filesystem::remove_all(results);
}
