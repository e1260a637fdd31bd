#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "data/transform.hpp"

using namespace expt;

namespace {

// `count` 1x1x1 images whose pixel and label are their index, so subsets can be traced.
ImageSet numbered_images(int count) {
  ImageSet set;
  set.shape = Shape{1, 1, 1};
  for (int i = 0; i < count; ++i) {
    set.pixels.push_back(static_cast<uint8_t>(i));
    set.labels.push_back(i);
  }
  return set;
}

}  // namespace

TEST_CASE("transform: bilinear resizing uses aligned pixel centres") {
  ImageSet set;
  set.shape = Shape{1, 1, 2};
  set.pixels = {0, 100};
  set.labels = {0};
  const ImageSet wider = resize_bilinear(set, 1, 4);
  CHECK(wider.shape == Shape{1, 1, 4});
  CHECK(wider.pixels == std::vector<uint8_t>{0, 25, 75, 100});

  set.shape = Shape{1, 2, 2};
  set.pixels = {0, 100, 200, 40};
  const ImageSet narrower = resize_bilinear(set, 1, 1);  // the centre: mean of the four
  CHECK(narrower.pixels == std::vector<uint8_t>{85});
  CHECK(resize_bilinear(set, 2, 2).pixels == set.pixels);
}

TEST_CASE("transform: channel conversion") {
  ImageSet rgb;
  rgb.shape = Shape{3, 1, 2};
  rgb.pixels = {255, 10, /*G*/ 0, 10, /*B*/ 0, 10};
  rgb.labels = {4};
  const ImageSet gray = convert_channels(rgb, 1);
  CHECK(gray.shape == Shape{1, 1, 2});
  CHECK(gray.pixels == std::vector<uint8_t>{76, 10});  // 0.299 * 255 = 76.2
  CHECK(gray.labels == rgb.labels);
  CHECK(convert_channels(gray, 3).pixels == std::vector<uint8_t>{76, 10, 76, 10, 76, 10});
  CHECK_THROWS_AS(convert_channels(gray, 4), DataError);
}

TEST_CASE("transform: take_first and hold_out") {
  const ImageSet set = numbered_images(40);
  CHECK(take_first(set, 7).labels == std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6});
  CHECK(take_first(set, 7).pixels.size() == 7);
  CHECK(take_first(set, 0).size() == 40);
  CHECK(take_first(set, 100).size() == 40);

  const auto [kept, held_out] = hold_out(set, 0.25, 11);
  CHECK(kept.size() == 30);
  CHECK(held_out.size() == 10);
  CHECK(std::is_sorted(kept.labels.begin(), kept.labels.end()));
  CHECK(std::is_sorted(held_out.labels.begin(), held_out.labels.end()));
  std::set<int32_t> all(kept.labels.begin(), kept.labels.end());
  all.insert(held_out.labels.begin(), held_out.labels.end());
  CHECK(all.size() == 40);
  for (int64_t i = 0; i < held_out.size(); ++i) CHECK(held_out.pixels[i] == held_out.labels[i]);

  CHECK(hold_out(set, 0.25, 11).second.labels == held_out.labels);  // seeded
  CHECK(hold_out(set, 0.25, 12).second.labels != held_out.labels);
  CHECK(held_out.labels != std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});  // not a prefix

  CHECK_THROWS_AS(hold_out(set, 0.001, 1), DataError);  // nothing held out
  CHECK_THROWS_AS(hold_out(set, 0.99, 1), DataError);   // nothing kept
}
