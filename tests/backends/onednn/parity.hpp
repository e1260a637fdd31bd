#pragma once
// The reference-vs-onednn comparisons of tests/backends/parity/backend_parity.hpp, with onednn's rule.
//
// Tolerances (fp32): |onednn - reference| <= kAbs + kRel * |reference| per element. oneDNN sums
// in another order (blocked, vectorised, split reductions), so bitwise equality is not expected;
// a wrong index, layout or factor shows up as errors of order 1.
#include <algorithm>
#include <cmath>

#include "backends/onednn/factory.hpp"
#include "backends/onednn/introspection.hpp"
#include "core/error.hpp"
#include "parity/backend_parity.hpp"

namespace expt::onednn_test {

using namespace parity;

constexpr double kRel = 1e-4;
constexpr double kAbs = 1e-5;

inline const UnderTest kOnednn{"onednn", make_onednn_backend, Scale::per_element};

inline void check_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what,
                        double rel = kRel, double abs = kAbs) {
  parity::check_close(got, want, what, kOnednn, Tolerance{rel, abs});
}

// ||got - want|| / ||want||, for bf16, whose 8 significant bits leave single elements far apart.
inline double relative_l2_distance(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  double diff = 0, norm = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    diff += (static_cast<double>(got[i]) - want[i]) * (static_cast<double>(got[i]) - want[i]);
    norm += static_cast<double>(want[i]) * want[i];
  }
  return std::sqrt(diff / std::max(norm, 1e-30));
}

// Both networks at options.precision (fp32 unless a test says otherwise).
// Plain SGD: its updates stay proportional to the gradients, so rounding in small ones does not
// grow as Adam's division by their magnitude makes it.
inline NetworkOptions sgd_options(int64_t max_batch, uint64_t seed = 7) {
  NetworkOptions o;
  o.optimizer.kind = OptimizerConfig::Kind::sgd;
  o.max_batch = max_batch;
  o.seed = seed;
  return o;
}

inline Pair build_pair(const std::vector<LayerSpec>& layers, Shape input, int64_t classes,
                       const NetworkOptions& options) {
  return parity::build_pair(kOnednn, layers, input, classes, options, options.precision);
}

// Checks that exactly the primitives `expected` picks run `implementation` (one of expt's own
// kernels); returns how many it picked.
template <class Expected>
int check_own_kernel(const Network& tested, const std::string& implementation, Expected expected) {
  int picked = 0;
  for (const onednn::PrimitiveInfo& info : onednn::primitive_implementations(tested)) {
    INFO(info.layer << " " << info.primitive << ": " << info.implementation);
    const bool wanted = expected(info);
    CHECK((info.implementation == implementation) == wanted);
    picked += wanted;
  }
  return picked;
}

// Same summation in fp32 up to order: the hits must agree.
inline void check_forward_backward(Pair& p, const Batch& batch, int64_t n, uint64_t step) {
  parity::check_forward_backward(p, batch, n, step, Tolerance{kRel, kAbs}, /*same_hits=*/true);
}

}  // namespace expt::onednn_test
