#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "core/error.hpp"
#include "data/dataset.hpp"

using namespace expt;

namespace {

DataConfig synthetic_config(int64_t classes, int64_t train, int64_t test) {
  DataConfig config;
  config.dataset = "synthetic";
  config.synthetic_classes = classes;
  config.synthetic_train = train;
  config.synthetic_test = test;
  return config;
}

// Dominant stripe angle in [0, pi) from the image's structure tensor (summed gradient outer
// products): pixel noise adds to both diagonal terms alike, so it barely moves the angle.
double stripe_angle(std::span<const uint8_t> image, int64_t height, int64_t width) {
  double xx = 0, yy = 0, xy = 0;
  for (int64_t y = 1; y + 1 < height; ++y)
    for (int64_t x = 1; x + 1 < width; ++x) {
      const double gx = 0.5 * (image[y * width + x + 1] - image[y * width + x - 1]);
      const double gy = 0.5 * (image[(y + 1) * width + x] - image[(y - 1) * width + x]);
      xx += gx * gx;
      yy += gy * gy;
      xy += gx * gy;
    }
  const double angle = 0.5 * std::atan2(2 * xy, xx - yy);
  return angle < 0 ? angle + std::numbers::pi : angle;
}

double angle_distance(double a, double b) {
  const double d = std::fmod(std::abs(a - b), std::numbers::pi);
  return std::min(d, std::numbers::pi - d);
}

}  // namespace

TEST_CASE("synthetic: the same seed gives the same bytes, another seed other bytes") {
  const DataConfig config = synthetic_config(5, 50, 20);
  const Dataset a = load_dataset(config, 3), b = load_dataset(config, 3), c = load_dataset(config, 4);
  CHECK(a.train.pixels == b.train.pixels);
  CHECK(a.test.pixels == b.test.pixels);
  CHECK(a.train.labels == b.train.labels);
  CHECK(a.train.pixels != c.train.pixels);
  CHECK(a.test.pixels != c.test.pixels);
  CHECK(std::vector(a.train.pixels.begin(), a.train.pixels.begin() + 20 * 784) != a.test.pixels);

  // The test split does not depend on the size of the training split.
  CHECK(load_dataset(synthetic_config(5, 80, 20), 3).test.pixels == a.test.pixels);
}

TEST_CASE("synthetic: shapes, counts and class balance") {
  DataConfig config = synthetic_config(7, 1003, 45);
  config.image_height = 12;
  config.image_width = 20;
  config.channels = 3;
  const Dataset data = load_dataset(config, 1);
  CHECK(data.train.shape == Shape{3, 12, 20});
  CHECK(data.train.size() == 1003);
  CHECK(data.test.size() == 45);
  CHECK(data.train.pixels.size() == 1003u * 3 * 12 * 20);
  CHECK(data.class_names.size() == 7);
  std::vector<int> counts(7);
  for (int32_t label : data.train.labels) ++counts.at(label);
  for (int count : counts) CHECK((count == 143 || count == 144));

  CHECK_THROWS_AS(load_dataset(synthetic_config(0, 10, 10), 1), DataError);
  CHECK_THROWS_AS(load_dataset(synthetic_config(3, 0, 10), 1), DataError);
}

TEST_CASE("synthetic: classes differ in stripe angle, not in brightness") {
  constexpr int64_t kClasses = 6;
  const Dataset data = load_dataset(synthetic_config(kClasses, 600, 0), 9);
  int angle_hits = 0;
  std::vector<double> brightness(kClasses);
  for (int64_t i = 0; i < data.train.size(); ++i) {
    const auto image = data.train.image(i);
    const int32_t label = data.train.labels[i];
    int nearest = 0;
    const double angle = stripe_angle(image, 28, 28);
    for (int k = 1; k < kClasses; ++k)
      if (angle_distance(angle, k * std::numbers::pi / kClasses) <
          angle_distance(angle, nearest * std::numbers::pi / kClasses))
        nearest = k;
    angle_hits += nearest == label;
    for (uint8_t v : image) brightness[label] += v;
  }
  // A hand-made orientation feature separates the classes well...
  CHECK(angle_hits >= 0.85 * data.train.size());
  // ...while the class mean brightness is nearly the same for all (mid-grey, 128).
  for (double sum : brightness) CHECK(sum / (100.0 * 784) == doctest::Approx(128).epsilon(0.05));
}
