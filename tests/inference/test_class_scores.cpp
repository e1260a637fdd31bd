#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "inference/class_scores.hpp"

namespace expt {

TEST_CASE("class probabilities are the softmax of the logits, also for large logits") {
  const std::vector<float> logits{1.0f, 2.0f, 3.0f};
  const std::vector<double> p = class_probabilities(logits);
  const double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  CHECK(p[0] == doctest::Approx(std::exp(1.0) / sum).epsilon(1e-12));
  CHECK(p[2] == doctest::Approx(std::exp(3.0) / sum).epsilon(1e-12));
  const std::vector<double> big = class_probabilities(std::vector<float>{1000.0f, 1000.0f});
  CHECK(big[0] == doctest::Approx(0.5));
}

TEST_CASE("top classes: most probable first, equal ones by label, at most as many as there are") {
  const std::vector<float> logits{0.5f, 2.0f, 0.5f, -1.0f};
  const std::vector<ClassScore> top = top_classes(logits, 3);
  REQUIRE(top.size() == 3);
  CHECK(top[0].label == 1);
  CHECK(top[1].label == 0);
  CHECK(top[2].label == 2);
  CHECK(top[0].probability > top[1].probability);
  CHECK(top_classes(logits, 10).size() == 4);
}

TEST_CASE("a labelled evaluation counts correct predictions and fills the confusion matrix by true row") {
  // Three images of three classes: predicted 2, 1, 2; labels 0, 1, 2.
  const std::vector<float> logits{0, 1, 5, 0, 3, 1, 1, 0, 2};
  const std::vector<int32_t> labels{0, 1, 2};
  const LabelledEvaluation e = evaluate_labelled(logits, labels, 3);
  CHECK(e.count == 3);
  CHECK(e.correct == 2);
  CHECK(e.accuracy() == doctest::Approx(2.0 / 3.0));
  CHECK(e.confusion == std::vector<int64_t>{0, 0, 1, 0, 1, 0, 0, 0, 1});
}

}  // namespace expt
