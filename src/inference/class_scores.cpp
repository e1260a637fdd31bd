#include "inference/class_scores.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace expt {

std::vector<double> class_probabilities(std::span<const float> logits) {
  const double largest = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i) sum += p[i] = std::exp(static_cast<double>(logits[i]) - largest);
  for (double& v : p) v /= sum;
  return p;
}

std::vector<ClassScore> top_classes(std::span<const float> logits, int64_t k) {
  const std::vector<double> p = class_probabilities(logits);
  std::vector<int64_t> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p[a] > p[b]; });
  order.resize(std::min(order.size(), static_cast<size_t>(std::max<int64_t>(k, 0))));
  std::vector<ClassScore> top;
  for (int64_t label : order) top.push_back({label, p[static_cast<size_t>(label)]});
  return top;
}

int64_t predicted_class(std::span<const float> logits) {
  return std::max_element(logits.begin(), logits.end()) - logits.begin();
}

LabelledEvaluation evaluate_labelled(std::span<const float> logits, std::span<const int32_t> labels, int64_t classes) {
  LabelledEvaluation e;
  e.classes = classes;
  e.count = static_cast<int64_t>(labels.size());
  e.confusion.assign(static_cast<size_t>(classes * classes), 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    const int64_t predicted = predicted_class(logits.subspan(i * static_cast<size_t>(classes), static_cast<size_t>(classes)));
    e.correct += predicted == labels[i];
    ++e.confusion[static_cast<size_t>(labels[i] * classes + predicted)];
  }
  return e;
}

}  // namespace expt
