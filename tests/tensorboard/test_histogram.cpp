#include <doctest/doctest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "tensorboard/histogram.hpp"

using namespace expt;

TEST_CASE("default bucket limits are TensorFlow's: 0, +-1e-12 * 1.1^k below 1e20, +-DBL_MAX") {
  const auto& limits = default_bucket_limits();
  // 1e-12 * 1.1^k < 1e20 for k = 0..773 (log(1e32) / log(1.1) = 773.1): 774 + DBL_MAX per side.
  REQUIRE(limits.size() == 2 * 775 + 1);
  CHECK(limits.front() == -DBL_MAX);
  CHECK(limits[774] == -1e-12);
  CHECK(limits[775] == 0.0);
  CHECK(limits[776] == 1e-12);
  CHECK(limits[777] == doctest::Approx(1.1e-12));
  CHECK(limits[limits.size() - 2] < 1e20);
  CHECK(limits[limits.size() - 2] * 1.1 >= 1e20);
  CHECK(limits.back() == DBL_MAX);
  for (size_t i = 1; i < limits.size(); ++i) REQUIRE(limits[i] > limits[i - 1]);
  for (size_t i = 0; i < limits.size(); ++i) REQUIRE(limits[i] == -limits[limits.size() - 1 - i]);
}

TEST_CASE("known values land in the buckets TensorFlow puts them in") {
  const std::vector<float> values{0.0f, 1.0f, 1.0f, -2.0f, 1e-13f};
  const auto h = make_histogram(values);
  CHECK(h.num() == 5);
  CHECK(h.min() == -2.0);
  CHECK(h.max() == 1.0);
  CHECK(h.sum() == doctest::Approx(2.0 - 2.0 + 1e-13));
  CHECK(h.sum_squares() == doctest::Approx(6.0));
  REQUIRE(h.bucket_size() == h.bucket_limit_size());

  // Non-empty buckets: (limit, count) with the value in [previous limit, limit).
  std::vector<std::pair<double, double>> filled;
  for (int i = 0; i < h.bucket_size(); ++i)
    if (h.bucket(i) > 0) filled.emplace_back(h.bucket_limit(i), h.bucket(i));
  REQUIRE(filled.size() == 3);
  // -2.0: the first limit above it is -1e-12 * 1.1^k just above -2, i.e. a magnitude a bit under 2.
  CHECK(filled[0].first > -2.0);
  CHECK(filled[0].first * 1.1 <= -2.0 * (1 - 1e-12));
  CHECK(filled[0].second == 1);
  // 0.0 and 1e-13 share [0, 1e-12).
  CHECK(filled[1].first == 1e-12);
  CHECK(filled[1].second == 2);
  // 1.0: the limit is the first 1e-12 * 1.1^k above 1.
  CHECK(filled[2].first > 1.0);
  CHECK(filled[2].first / 1.1 <= 1.0);
  CHECK(filled[2].second == 2);

  // Runs of empty buckets are merged: never two empty ones in a row; the last ends at DBL_MAX.
  for (int i = 1; i < h.bucket_size(); ++i) CHECK_FALSE((h.bucket(i) == 0 && h.bucket(i - 1) == 0));
  CHECK(h.bucket_limit(h.bucket_size() - 1) == DBL_MAX);
  CHECK(h.bucket(h.bucket_size() - 1) == 0);
}

TEST_CASE("a value on a limit belongs to the bucket above it") {
  const auto h = make_histogram(std::vector<float>{0.0f});
  int filled = -1;
  for (int i = 0; i < h.bucket_size(); ++i)
    if (h.bucket(i) > 0) filled = i;
  REQUIRE(filled >= 0);
  CHECK(h.bucket_limit(filled) == 1e-12);
  CHECK(h.bucket_limit(filled - 1) == 0.0);   // the merged empty run below ends at 0
}

TEST_CASE("non-finite values are left out; an empty histogram is one empty bucket") {
  const float inf = std::numeric_limits<float>::infinity();
  const auto h = make_histogram(std::vector<float>{std::nanf(""), inf, -inf, 0.5f});
  CHECK(h.num() == 1);
  CHECK(h.sum() == 0.5);

  const auto empty = make_histogram({});
  CHECK(empty.num() == 0);
  REQUIRE(empty.bucket_size() == 1);
  CHECK(empty.bucket_limit(0) == DBL_MAX);
  CHECK(empty.bucket(0) == 0);
}
