#pragma once
// From one image's logits to what `expt predict` reports: probabilities (softmax) and the
// highest-ranked classes; over a labelled set, accuracy and the confusion matrix.
#include <cstdint>
#include <span>
#include <vector>

namespace expt {

struct ClassScore {
  int64_t label = 0;
  double probability = 0;
};

// softmax(logits), computed in double after subtracting the largest logit.
std::vector<double> class_probabilities(std::span<const float> logits);

// The min(k, classes) most probable classes, most probable first; equal ones by label.
std::vector<ClassScore> top_classes(std::span<const float> logits, int64_t k);

// The first largest logit, as the backends' accuracy counts a prediction.
int64_t predicted_class(std::span<const float> logits);

struct LabelledEvaluation {
  int64_t classes = 0, count = 0, correct = 0;
  std::vector<int64_t> confusion;  // classes x classes: row = true label, column = predicted
  double accuracy() const { return count ? static_cast<double>(correct) / static_cast<double>(count) : 0.0; }
};

// `logits` holds labels.size() rows of `classes` values.
LabelledEvaluation evaluate_labelled(std::span<const float> logits, std::span<const int32_t> labels, int64_t classes);

}  // namespace expt
