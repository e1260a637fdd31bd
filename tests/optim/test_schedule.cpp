// Learning rates at chosen epochs, base rate 0.1. Expected values are exact decimal arithmetic;
// the tolerance only absorbs double rounding.
#include <doctest/doctest.h>

#include <cmath>

#include "optim/schedule.hpp"

using expt::ScheduleConfig;

namespace {

constexpr double kTolerance = 1e-12;
constexpr double kBase = 0.1;

ScheduleConfig make(ScheduleConfig::Kind kind) {
  ScheduleConfig s;
  s.kind = kind;
  return s;
}

double at(const ScheduleConfig& s, double epoch, double total_epochs = 10) {
  return expt::learning_rate_at(kBase, s, epoch, total_epochs);
}

}  // namespace

TEST_CASE("constant") {
  const auto s = make(ScheduleConfig::Kind::constant);
  CHECK(std::abs(at(s, 0) - 0.1) < kTolerance);
  CHECK(std::abs(at(s, 5.5) - 0.1) < kTolerance);
}

TEST_CASE("step decays every step_epochs whole epochs") {
  auto s = make(ScheduleConfig::Kind::step);
  s.step_epochs = 2;
  s.gamma = 0.5;
  CHECK(std::abs(at(s, 0) - 0.1) < kTolerance);
  CHECK(std::abs(at(s, 1.99) - 0.1) < kTolerance);
  CHECK(std::abs(at(s, 2) - 0.05) < kTolerance);
  CHECK(std::abs(at(s, 3.5) - 0.05) < kTolerance);
  CHECK(std::abs(at(s, 4) - 0.025) < kTolerance);

  // An epoch boundary reached by summing 10 steps of 0.1 epoch is 0.9999999999999999.
  s.step_epochs = 1;
  double epoch = 0;
  for (int i = 0; i < 10; ++i) epoch += 0.1;
  CHECK(epoch < 1.0);
  CHECK(std::abs(at(s, epoch) - 0.05) < kTolerance);
}

TEST_CASE("multistep decays at each milestone") {
  auto s = make(ScheduleConfig::Kind::multistep);
  s.milestones = {2, 5};
  s.gamma = 0.1;
  CHECK(std::abs(at(s, 1.5) - 0.1) < kTolerance);
  CHECK(std::abs(at(s, 2) - 0.01) < kTolerance);
  CHECK(std::abs(at(s, 4.9) - 0.01) < kTolerance);
  CHECK(std::abs(at(s, 5) - 0.001) < kTolerance);
  CHECK(std::abs(at(s, 9.5) - 0.001) < kTolerance);
}

TEST_CASE("exponential decays once per whole epoch") {
  auto s = make(ScheduleConfig::Kind::exponential);
  s.gamma = 0.9;
  CHECK(std::abs(at(s, 0.5) - 0.1) < kTolerance);
  CHECK(std::abs(at(s, 1) - 0.09) < kTolerance);
  CHECK(std::abs(at(s, 2.7) - 0.081) < kTolerance);
}

TEST_CASE("cosine from base to the floor over the run") {
  auto s = make(ScheduleConfig::Kind::cosine);
  s.min_learning_rate = 0.01;
  CHECK(std::abs(at(s, 0) - 0.1) < kTolerance);
  // 0.01 + 0.09 * (1 + cos(pi/4)) / 2 = 0.01 + 0.045 * 1.7071068 = 0.0868198
  CHECK(std::abs(at(s, 2.5) - 0.08681980515339463) < kTolerance);
  CHECK(std::abs(at(s, 5) - 0.055) < kTolerance);
  CHECK(std::abs(at(s, 10) - 0.01) < kTolerance);
}

TEST_CASE("linear warmup from 0") {
  auto s = make(ScheduleConfig::Kind::constant);
  s.warmup_epochs = 2;
  CHECK(std::abs(at(s, 0) - 0.0) < kTolerance);
  CHECK(std::abs(at(s, 0.5) - 0.025) < kTolerance);
  CHECK(std::abs(at(s, 1) - 0.05) < kTolerance);
  CHECK(std::abs(at(s, 2) - 0.1) < kTolerance);
  CHECK(std::abs(at(s, 3) - 0.1) < kTolerance);
}

TEST_CASE("warmup scales a step schedule") {
  auto s = make(ScheduleConfig::Kind::step);
  s.step_epochs = 1;
  s.gamma = 0.5;
  s.warmup_epochs = 2;
  CHECK(std::abs(at(s, 1.5) - 0.1 * 0.5 * 0.75) < kTolerance);
  CHECK(std::abs(at(s, 2.5) - 0.025) < kTolerance);
}

TEST_CASE("cosine starts after warmup") {
  auto s = make(ScheduleConfig::Kind::cosine);
  s.min_learning_rate = 0.01;
  s.warmup_epochs = 2;
  CHECK(std::abs(at(s, 1, 12) - 0.05) < kTolerance);
  CHECK(std::abs(at(s, 2, 12) - 0.1) < kTolerance);
  CHECK(std::abs(at(s, 7, 12) - 0.055) < kTolerance);
  CHECK(std::abs(at(s, 12, 12) - 0.01) < kTolerance);
}
