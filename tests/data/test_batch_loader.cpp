#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>
#include <thread>

#include "data/augment.hpp"
#include "data/batch_loader.hpp"
#include "data/dataset.hpp"

using namespace expt;

namespace {

Dataset synthetic_data() {
  DataConfig config;
  config.dataset = "synthetic";
  config.channels = 3;
  config.image_height = config.image_width = 16;
  config.synthetic_classes = 3;
  config.synthetic_train = 50;
  config.synthetic_test = 10;
  return load_dataset(config, 9);
}

std::vector<int64_t> shuffled(int64_t size, uint64_t seed) {
  std::vector<int64_t> order(static_cast<size_t>(size));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 random(seed);
  std::shuffle(order.begin(), order.end(), random);
  return order;
}

// Every batch of the given epochs, as copies.
std::vector<std::vector<float>> all_batches(TrainBatchLoader& loader, int64_t epochs, int64_t size, int64_t batch,
                                            bool slow_consumer = false) {
  std::vector<std::vector<float>> batches;
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    loader.start_epoch(epoch, shuffled(size, static_cast<uint64_t>(epoch)));
    for (int64_t b = 0; b < size / batch; ++b) {
      if (slow_consumer) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      const TrainBatch t = loader.next();
      batches.emplace_back(t.images.begin(), t.images.end());
    }
  }
  return batches;
}

}  // namespace

TEST_CASE("batch loader: without augmentation, exactly what assemble_batch makes") {
  const Dataset data = synthetic_data();
  const DataConfig config;
  const int64_t batch = 7, elements = data.train.shape.size();
  TrainBatchLoader loader(data, config, batch, 1);
  std::vector<float> expected(static_cast<size_t>(batch * elements));
  std::vector<int32_t> labels(static_cast<size_t>(batch));
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    const std::vector<int64_t> order = shuffled(data.train.size(), static_cast<uint64_t>(epoch));
    loader.start_epoch(epoch, order);
    for (int64_t b = 0; b < data.train.size() / batch; ++b) {
      const TrainBatch t = loader.next();
      assemble_batch(data.train, data.normalization, std::span(order).subspan(b * batch, batch), expected, labels);
      CHECK(t.n == batch);
      CHECK(std::equal(t.images.begin(), t.images.end(), expected.begin(), expected.end()));
      CHECK(std::equal(t.labels.begin(), t.labels.end(), labels.begin(), labels.end()));
    }
    CHECK_THROWS_AS(loader.next(), std::logic_error);
  }
  // An epoch abandoned half-way: the next starts cleanly.
  loader.start_epoch(5, shuffled(data.train.size(), 5));
  loader.next();
  const std::vector<int64_t> order = shuffled(data.train.size(), 6);
  loader.start_epoch(6, order);
  const TrainBatch first = loader.next();
  assemble_batch(data.train, data.normalization, std::span(order).first(batch), expected, labels);
  CHECK(std::equal(first.images.begin(), first.images.end(), expected.begin(), expected.end()));
}

TEST_CASE("batch loader: augmentation depends on (seed, epoch, position) only, not on timing") {
  const Dataset data = synthetic_data();
  DataConfig config;
  config.augment.hflip = true;
  config.augment.random_crop_padding = 2;
  config.augment.rotate_degrees = 10;
  config.augment.random_resized_crop_scale = {0.5, 1.0};
  config.augment.brightness = config.augment.contrast = config.augment.saturation = 0.2;
  TrainBatchLoader a(data, config, 5, 1), b(data, config, 5, 1), other_seed(data, config, 5, 2);
  const auto batches = all_batches(a, 2, data.train.size(), 5);
  CHECK(all_batches(b, 2, data.train.size(), 5, true) == batches);
  CHECK(all_batches(other_seed, 2, data.train.size(), 5) != batches);

  TrainBatchLoader plain(data, DataConfig{}, 5, 1);
  CHECK(all_batches(plain, 2, data.train.size(), 5) != batches);
}

TEST_CASE("batch loader: a failure on the background thread reaches next()") {
  const Dataset data = synthetic_data();
  TrainBatchLoader loader(data, DataConfig{}, 2, 1);
  loader.start_epoch(0, {0, 1, 2, 999});
  loader.next();
  CHECK_THROWS_AS(loader.next(), std::out_of_range);
}

TEST_CASE("augment: each transform does what it says") {
  const Shape shape{3, 6, 8};
  std::vector<uint8_t> image(static_cast<size_t>(shape.size()));
  for (size_t j = 0; j < image.size(); ++j) image[j] = static_cast<uint8_t>(j * 37 % 251);
  std::vector<uint8_t> out(image.size());

  AugmentConfig flip;
  flip.hflip = true;
  ImageAugmenter flipper(flip, shape, 3);
  int mirrored = 0;
  for (int64_t position = 0; position < 40; ++position) {
    flipper.apply(image, 0, position, out);
    std::vector<uint8_t> expected = image;
    for (int64_t row = 0; row < shape.c * shape.h; ++row)
      std::reverse(expected.begin() + row * shape.w, expected.begin() + (row + 1) * shape.w);
    CHECK((out == image || out == expected));
    mirrored += out == expected;
  }
  CHECK(mirrored > 5);
  CHECK(mirrored < 35);

  AugmentConfig crop;
  crop.random_crop_padding = 2;
  ImageAugmenter cropper(crop, shape, 3);
  for (int64_t position = 0; position < 10; ++position) {
    cropper.apply(image, 1, position, out);
    int64_t matches = 0;  // some shift (dy, dx) in [-2, 2] explains every non-padding pixel
    for (int64_t dy = -2; dy <= 2; ++dy)
      for (int64_t dx = -2; dx <= 2; ++dx) {
        bool all = true;
        for (int64_t c = 0; c < shape.c; ++c)
          for (int64_t y = 0; y < shape.h; ++y)
            for (int64_t x = 0; x < shape.w; ++x) {
              const int64_t sy = y + dy, sx = x + dx;
              const uint8_t want = (sy < 0 || sy >= shape.h || sx < 0 || sx >= shape.w)
                                       ? 0
                                       : image[static_cast<size_t>((c * shape.h + sy) * shape.w + sx)];
              all = all && out[static_cast<size_t>((c * shape.h + y) * shape.w + x)] == want;
            }
        matches += all;
      }
    CHECK(matches >= 1);
  }

  AugmentConfig jitter;
  jitter.brightness = 0.5;
  ImageAugmenter brightener(jitter, shape, 3);
  const std::vector<uint8_t> flat(image.size(), 100);
  brightener.apply(flat, 0, 0, out);
  CHECK(std::all_of(out.begin(), out.end(), [&](uint8_t v) { return v == out[0]; }));
  CHECK(out[0] >= 50);
  CHECK(out[0] <= 150);

  AugmentConfig turn;
  turn.rotate_degrees = 30;
  ImageAugmenter rotator(turn, shape, 3);
  rotator.apply(flat, 0, 0, out);
  CHECK(out[static_cast<size_t>(shape.h / 2 * shape.w + shape.w / 2)] == 100);  // the centre stays
}
