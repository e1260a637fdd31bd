// dense (alone and after a conv with fused relu, through the implicit flatten) and softmax
// cross-entropy: hand-worked values and finite-difference gradients in double.
#include <doctest/doctest.h>

#include <cmath>

#include "backends/reference/conv2d.hpp"
#include "backends/reference/dense.hpp"
#include "backends/reference/elementwise.hpp"
#include "backends/softmax_cross_entropy.hpp"
#include "gradient_check.hpp"

using namespace expt;
using namespace expt::reference;
using namespace expt::reference::testing;

TEST_CASE("dense forward by hand") {
  // weight [2, 3] rows (1, 2, 3) and (-1, 0, 1); bias (0.5, -0.5); x = (1, 10, 100)
  const std::vector<double> x{1, 10, 100}, w{1, 2, 3, -1, 0, 1}, b{0.5, -0.5};
  std::vector<double> y(2);
  dense_forward(1, 3, 2, x.data(), w.data(), b.data(), y.data());
  CHECK(y == std::vector<double>{321.5, 98.5});
}

TEST_CASE("dense gradients by finite differences") {
  const int64_t n = 3, in = 7, out = 4;
  auto x = random_tensor(n * in, 31), w = random_tensor(out * in, 32), b = random_tensor(out, 33);
  const auto upstream = random_tensor(n * out, 34);
  std::vector<double> y(upstream.size());
  auto loss = [&] {
    dense_forward(n, in, out, x.data(), w.data(), b.data(), y.data());
    return dot(upstream, y);
  };
  std::vector<double> dx(x.size()), dw(w.size()), db(b.size());
  dense_backward_data(n, in, out, upstream.data(), w.data(), dx.data());
  dense_backward_weights(n, in, out, x.data(), upstream.data(), dw.data(), db.data());
  CHECK(worst_gradient_error(x, dx, loss) < kTolerance);
  CHECK(worst_gradient_error(w, dw, loss) < kTolerance);
  CHECK(worst_gradient_error(b, db, loss) < kTolerance);
}

TEST_CASE("dense after conv with fused relu, into the loss, by finite differences") {
  // conv 3x2 stride 2 same (asymmetric) with relu -> dense 3 on the [2, 3, 3] map -> mean loss.
  const PlannedLayer conv =
      plan_one(window_layer(LayerKind::conv2d, 3, 2, 2, 2, Padding::same, 2), Shape{2, 6, 5});
  const WindowGeometry g = window_geometry(conv, 2);
  const int64_t features = g.out_size(), classes = 3;
  auto x = random_tensor(g.n * g.in_size(), 41), conv_w = random_tensor(g.out_c * g.in_c * 6, 42),
       conv_b = random_tensor(g.out_c, 43), dense_w = random_tensor(classes * features, 44),
       dense_b = random_tensor(classes, 45);
  const std::vector<int32_t> labels{2, 0};
  std::vector<double> map(static_cast<size_t>(g.n * features)), logits(static_cast<size_t>(g.n * classes)),
      probs(logits.size());
  auto loss = [&] {
    conv2d_forward(g, x.data(), conv_w.data(), conv_b.data(), map.data());
    activation_forward({Activation::relu}, g.n * features, map.data(), map.data());
    dense_forward(g.n, features, classes, map.data(), dense_w.data(), dense_b.data(), logits.data());
    return softmax_cross_entropy_forward(g.n, classes, logits.data(), labels.data(), probs.data()).loss_sum /
           static_cast<double>(g.n);
  };
  loss();
  std::vector<double> dlogits(logits.size()), dmap(map.size()), dx(x.size()), dconv_w(conv_w.size()),
      dconv_b(conv_b.size()), ddense_w(dense_w.size()), ddense_b(dense_b.size());
  softmax_cross_entropy_backward(g.n, classes, probs.data(), labels.data(), dlogits.data());
  dense_backward_weights(g.n, features, classes, map.data(), dlogits.data(), ddense_w.data(), ddense_b.data());
  dense_backward_data(g.n, features, classes, dlogits.data(), dense_w.data(), dmap.data());
  activation_backward({Activation::relu}, g.n * features, map.data(), map.data(), dmap.data(), dmap.data());
  conv2d_backward_weights(g, x.data(), dmap.data(), dconv_w.data(), dconv_b.data());
  conv2d_backward_data(g, dmap.data(), conv_w.data(), dx.data());

  CHECK(std::count_if(map.begin(), map.end(), [](double v) { return v == 0; }) > 0);  // relu is active
  CHECK(worst_gradient_error(x, dx, loss) < kTolerance);
  CHECK(worst_gradient_error(conv_w, dconv_w, loss) < kTolerance);
  CHECK(worst_gradient_error(conv_b, dconv_b, loss) < kTolerance);
  CHECK(worst_gradient_error(dense_w, ddense_w, loss) < kTolerance);
  CHECK(worst_gradient_error(dense_b, ddense_b, loss) < kTolerance);
}

TEST_CASE("softmax cross-entropy by hand") {
  // Sample 0: logits (0, 0), label 0: loss ln 2, a tie counts the first class (correct).
  // Sample 1: logits (ln 3, 0), label 1: softmax (3/4, 1/4), loss ln 4, wrong.
  const std::vector<double> logits{0, 0, std::log(3.0), 0};
  const std::vector<int32_t> labels{0, 1};
  std::vector<double> probs(4), dlogits(4);
  const LossSums sums = softmax_cross_entropy_forward(2, 2, logits.data(), labels.data(), probs.data());
  CHECK(sums.loss_sum == doctest::Approx(std::log(2.0) + std::log(4.0)).epsilon(1e-12));
  CHECK(sums.correct == 1);
  softmax_cross_entropy_backward(2, 2, probs.data(), labels.data(), dlogits.data());
  // (softmax - one_hot) / n
  const std::vector<double> expected{-0.25, 0.25, 0.375, -0.375};
  for (size_t i = 0; i < 4; ++i) CHECK(dlogits[i] == doctest::Approx(expected[i]).epsilon(1e-12));
}

TEST_CASE("softmax cross-entropy is stable for large logits") {
  const std::vector<float> logits{1000.0f, 0.0f};
  const std::vector<int32_t> labels{1};
  std::vector<float> probs(2);
  const LossSums sums = softmax_cross_entropy_forward(1, 2, logits.data(), labels.data(), probs.data());
  CHECK(sums.loss_sum == doctest::Approx(1000.0));
}

TEST_CASE("softmax cross-entropy gradient by finite differences") {
  const int64_t n = 4, classes = 5;
  auto logits = random_tensor(n * classes, 51, -3, 3);
  const std::vector<int32_t> labels{4, 0, 2, 2};
  std::vector<double> probs(logits.size()), dlogits(logits.size());
  auto loss = [&] {
    return softmax_cross_entropy_forward(n, classes, logits.data(), labels.data(), probs.data()).loss_sum /
           static_cast<double>(n);
  };
  loss();
  softmax_cross_entropy_backward(n, classes, probs.data(), labels.data(), dlogits.data());
  CHECK(worst_gradient_error(logits, dlogits, loss) < kTolerance);
}
