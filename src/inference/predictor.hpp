#pragma once
// A trained run's network on a backend, in evaluation phase (dropout off, batch norm on its
// running statistics): images in, logits out.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backends/backend.hpp"
#include "data/dataset.hpp"
#include "experiment/trained_run.hpp"

namespace expt {

class Predictor {
 public:
  // The run's network with its checkpoint (build_trained_network). Throws BackendError or ReadError.
  explicit Predictor(const TrainedRun& run);

  // One row of plan().classes logits per image of `images` (whose shape is the run's input),
  // normalised with the run's normalisation, in batches of at most batch_size().
  std::vector<float> logits(const ImageSet& images);

  const std::string& backend_name() const { return backend_name_; }
  int64_t batch_size() const { return batch_size_; }
  int64_t classes() const { return trained_.network->plan().classes; }

 private:
  const Normalization normalization_;
  int64_t batch_size_ = 0;
  std::string backend_name_;
  TrainedNetwork trained_;
};

}  // namespace expt
