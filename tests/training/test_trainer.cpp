#include <doctest/doctest.h>

#include <algorithm>

#include "training/trainer.hpp"

using namespace expt;

TEST_CASE("epoch order: a permutation fixed by (seed, epoch)") {
  const auto a = epoch_order(1000, 42, 0);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) REQUIRE(sorted[static_cast<size_t>(i)] == i);
  CHECK(a == epoch_order(1000, 42, 0));
  CHECK(a != epoch_order(1000, 42, 1));
  CHECK(a != epoch_order(1000, 43, 0));
  int64_t fixed_points = 0;
  for (int64_t i = 0; i < 1000; ++i) fixed_points += a[static_cast<size_t>(i)] == i;
  CHECK(fixed_points < 10);  // a shuffle, not the identity
}
