// Two updates of each optimizer on one scalar parameter (p0 = 1, gradients 0.5 then -0.2),
// against values worked out by hand from torch.optim's update formulas.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "optim/cpu_update.hpp"

using expt::OptimizerConfig;

namespace {

// The updates run in float; the expected values are exact to ~1e-9, float rounding is ~1e-7.
constexpr double kTolerance = 1e-6;

struct TwoSteps {
  float after_first, after_second;
};

TwoSteps run_two_steps(const OptimizerConfig& config, double lr) {
  std::array<float, 1> param{1.0f}, state0{0.0f}, state1{0.0f};
  const std::array<float, 2> grads{0.5f, -0.2f};
  TwoSteps out{};
  for (uint64_t t = 1; t <= 2; ++t) {
    const std::array<float, 1> grad{grads[t - 1]};
    const int slots = expt::optimizer_state_slots(config.kind);
    expt::cpu_optimizer_update({&config, lr, t}, param, grad, slots >= 1 ? std::span<float>(state0) : std::span<float>(),
                               slots >= 2 ? std::span<float>(state1) : std::span<float>());
    (t == 1 ? out.after_first : out.after_second) = param[0];
  }
  return out;
}

OptimizerConfig make(OptimizerConfig::Kind kind, double weight_decay = 0.0, bool nesterov = false) {
  OptimizerConfig c;
  c.kind = kind;
  c.weight_decay = weight_decay;
  c.nesterov = nesterov;
  return c;  // momentum 0.9, beta1 0.9, beta2 0.999, epsilon 1e-8
}

}  // namespace

TEST_CASE("state slots per optimizer") {
  CHECK(expt::optimizer_state_slots(OptimizerConfig::Kind::sgd) == 0);
  CHECK(expt::optimizer_state_slots(OptimizerConfig::Kind::momentum) == 1);
  CHECK(expt::optimizer_state_slots(OptimizerConfig::Kind::adam) == 2);
  CHECK(expt::optimizer_state_slots(OptimizerConfig::Kind::adamw) == 2);
  CHECK(std::string(expt::to_string(OptimizerConfig::Kind::adamw)) == "adamw");
}

TEST_CASE("sgd with L2 weight decay") {
  // lr 0.1, wd 0.01. d1 = 0.5 + 0.01*1 = 0.51, p = 1 - 0.051 = 0.949.
  // d2 = -0.2 + 0.01*0.949 = -0.19051, p = 0.949 + 0.019051 = 0.968051.
  const auto r = run_two_steps(make(OptimizerConfig::Kind::sgd, 0.01), 0.1);
  CHECK(std::abs(r.after_first - 0.949) < kTolerance);
  CHECK(std::abs(r.after_second - 0.968051) < kTolerance);
}

TEST_CASE("momentum, torch style") {
  // lr 0.1, mu 0.9. buf1 = 0.5, p = 0.95. buf2 = 0.45 - 0.2 = 0.25, p = 0.95 - 0.025 = 0.925.
  const auto r = run_two_steps(make(OptimizerConfig::Kind::momentum), 0.1);
  CHECK(std::abs(r.after_first - 0.95) < kTolerance);
  CHECK(std::abs(r.after_second - 0.925) < kTolerance);
}

TEST_CASE("nesterov momentum") {
  // buf1 = 0.5, p = 1 - 0.1*(0.5 + 0.9*0.5) = 0.905.
  // buf2 = 0.25, p = 0.905 - 0.1*(-0.2 + 0.9*0.25) = 0.905 - 0.0025 = 0.9025.
  const auto r = run_two_steps(make(OptimizerConfig::Kind::momentum, 0.0, true), 0.1);
  CHECK(std::abs(r.after_first - 0.905) < kTolerance);
  CHECK(std::abs(r.after_second - 0.9025) < kTolerance);
}

TEST_CASE("adam") {
  // lr 0.1. t=1: m = 0.05, v = 0.00025, m_hat = 0.5, sqrt(v_hat) = 0.5, p = 1 - 0.1*0.5/(0.5+1e-8) = 0.900000002.
  // t=2: m = 0.045 - 0.02 = 0.025, v = 0.00025*0.999 + 0.001*0.04 = 0.00028975,
  //      m_hat = 0.025/0.19 = 0.1315789, v_hat = 0.00028975/0.001999 = 0.1449475, sqrt = 0.3807197,
  //      p = 0.9 - 0.1*0.1315789/0.3807197 = 0.8654394.
  const auto r = run_two_steps(make(OptimizerConfig::Kind::adam), 0.1);
  CHECK(std::abs(r.after_first - 0.900000002) < kTolerance);
  CHECK(std::abs(r.after_second - 0.8654394181) < kTolerance);
}

TEST_CASE("adam with L2 weight decay") {
  // wd 0.1 added to the gradient. t=1: d = 0.6, m_hat = 0.6, sqrt(v_hat) = 0.6, p = 0.9 (+1.7e-9).
  // t=2: d = -0.2 + 0.09 = -0.11, m = 0.054 - 0.011 = 0.043, v = 0.00035964 + 0.0000121 = 0.00037174,
  //      m_hat = 0.2263158, sqrt(v_hat) = sqrt(0.1859630) = 0.4312343, p = 0.9 - 0.0524809 = 0.8475191.
  const auto r = run_two_steps(make(OptimizerConfig::Kind::adam, 0.1), 0.1);
  CHECK(std::abs(r.after_first - 0.9000000017) < kTolerance);
  CHECK(std::abs(r.after_second - 0.8475190630) < kTolerance);
}

TEST_CASE("adamw decouples weight decay") {
  // wd 0.1: p *= 1 - 0.1*0.1 before each Adam step; the moments are plain Adam's.
  // t=1: p = 0.99 - 0.1 = 0.89. t=2: p = 0.89*0.99 - 0.0345606 = 0.8811 - 0.0345606 = 0.8465394.
  const auto r = run_two_steps(make(OptimizerConfig::Kind::adamw, 0.1), 0.1);
  CHECK(std::abs(r.after_first - 0.890000002) < kTolerance);
  CHECK(std::abs(r.after_second - 0.8465394181) < kTolerance);
}

TEST_CASE("every element is updated the same way") {
  // Long enough for the vectorised loop body and its scalar tail.
  const auto config = make(OptimizerConfig::Kind::adam, 0.1);
  std::vector<float> param(37, 1.0f), grad(37, 0.5f), m(37, 0.0f), v(37, 0.0f);
  expt::cpu_optimizer_update({&config, 0.1, 1}, param, grad, m, v);
  for (float p : param) CHECK(std::abs(p - 0.9000000017) < kTolerance);
}

TEST_CASE("mismatched state size is rejected") {
  const auto config = make(OptimizerConfig::Kind::momentum);
  std::vector<float> param(4, 1.0f), grad(4, 0.5f), buf(3, 0.0f);
  CHECK_THROWS(expt::cpu_optimizer_update({&config, 0.1, 1}, param, grad, buf, {}));
}
