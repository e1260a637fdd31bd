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
  // Builds the network on the backend the run's config picks here (`backend` in the config, or
  // an override of it) and loads the run's checkpoint. Throws BackendError or ReadError.
  explicit Predictor(const TrainedRun& run);

  // One row of plan().classes logits per image of `images` (whose shape is the run's input),
  // normalised with the run's normalisation, in batches of at most batch_size().
  std::vector<float> logits(const ImageSet& images);

  const std::string& backend_name() const { return backend_name_; }
  int64_t batch_size() const { return batch_size_; }
  int64_t classes() const { return network_->plan().classes; }

 private:
  const Normalization normalization_;
  int64_t batch_size_ = 0;
  std::string backend_name_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Network> network_;
};

}  // namespace expt
