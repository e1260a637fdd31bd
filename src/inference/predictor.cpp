#include "inference/predictor.hpp"

#include <algorithm>
#include <numeric>


namespace expt {

// Evaluation batches as the trainer's: training.eval_batch_size, or batch_size when that is 0.
Predictor::Predictor(const TrainedRun& run)
    : normalization_(run.normalization),
      batch_size_(run.config.training.eval_batch_size > 0 ? run.config.training.eval_batch_size
                                                          : run.config.training.batch_size) {
  trained_ = build_trained_network(run, batch_size_);
  backend_name_ = trained_.backend->name();
}

std::vector<float> Predictor::logits(const ImageSet& images) {
  const int64_t classes = this->classes();
  const int64_t image_floats = images.shape.size();
  std::vector<float> out(static_cast<size_t>(images.size() * classes));
  std::vector<float> batch(static_cast<size_t>(batch_size_ * image_floats));
  std::vector<int32_t> labels(static_cast<size_t>(batch_size_));  // the set's; forward's metrics are not used
  std::vector<int64_t> indices;
  const size_t last_layer = trained_.network->plan().layers.size() - 1;
  for (int64_t begin = 0; begin < images.size(); begin += batch_size_) {
    const int64_t n = std::min(batch_size_, images.size() - begin);
    indices.resize(static_cast<size_t>(n));
    std::iota(indices.begin(), indices.end(), begin);
    const auto floats = static_cast<size_t>(n * image_floats);
    const auto batch_labels = std::span(labels).first(static_cast<size_t>(n));
    assemble_batch(images, normalization_, indices, std::span(batch).first(floats), batch_labels);
    trained_.network->forward(HostBatch{n, std::span(batch).first(floats), batch_labels}, Phase::eval, 0);
    trained_.network->read_activation(last_layer, std::span(out).subspan(static_cast<size_t>(begin * classes),
                                                                 static_cast<size_t>(n * classes)));
  }
  return out;
}

}  // namespace expt
