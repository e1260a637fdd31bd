#include "data/batch_loader.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "data/normalize.hpp"

namespace expt {

TrainBatchLoader::TrainBatchLoader(const Dataset& data, const DataConfig& config, int64_t batch_size, uint64_t seed)
    : train_(data.train), normalization_(data.normalization), batch_size_(batch_size),
      augmenter_(config.augment, data.train.shape, seed), augment_(config.augment.enabled()),
      augmented_(static_cast<size_t>(data.train.shape.size())), slots_(kSlots) {
  if (batch_size < 1) throw std::invalid_argument(fmt::format("TrainBatchLoader: batch size {}", batch_size));
  for (Slot& slot : slots_) {
    slot.images.resize(static_cast<size_t>(batch_size * train_.shape.size()));
    slot.labels.resize(static_cast<size_t>(batch_size));
  }
  worker_ = std::thread([this] { run(); });
}

TrainBatchLoader::~TrainBatchLoader() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

void TrainBatchLoader::start_epoch(int64_t epoch, std::vector<int64_t> order) {
  {
    const std::lock_guard lock(mutex_);
    ++generation_;
    epoch_ = epoch;
    order_ = std::move(order);
    steps_ = static_cast<int64_t>(order_.size()) / batch_size_;
    prepared_ = handed_out_ = released_ = 0;
  }
  changed_.notify_all();
}

TrainBatch TrainBatchLoader::next() {
  std::unique_lock lock(mutex_);
  released_ = handed_out_;  // the previous batch's slot may be refilled now
  changed_.notify_all();
  if (handed_out_ >= steps_)
    throw std::logic_error(fmt::format("TrainBatchLoader::next: the epoch has only {} batches", steps_));
  changed_.wait(lock, [&] { return failure_ || prepared_ > handed_out_; });
  if (prepared_ == handed_out_) std::rethrow_exception(failure_);  // batches ready before a failure still count
  const Slot& slot = slots_[static_cast<size_t>(handed_out_ % kSlots)];
  ++handed_out_;
  const auto floats = static_cast<size_t>(batch_size_ * train_.shape.size());
  return TrainBatch{batch_size_, std::span<const float>(slot.images).first(floats), slot.labels};
}

void TrainBatchLoader::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] {
      return stopping_ || (!failure_ && prepared_ < steps_ && prepared_ < released_ + kSlots);
    });
    if (stopping_) return;
    const uint64_t generation = generation_;
    const int64_t batch = prepared_, epoch = epoch_;
    const std::span<const int64_t> indices = std::span<const int64_t>(order_).subspan(batch * batch_size_, batch_size_);
    Slot& slot = slots_[static_cast<size_t>(batch % kSlots)];
    // order_ is only replaced by start_epoch, which cannot run while we copy its indices out.
    const std::vector<int64_t> batch_indices(indices.begin(), indices.end());
    lock.unlock();
    std::exception_ptr failure;
    try {
      prepare(epoch, batch_indices, batch * batch_size_, slot);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    if (generation != generation_) continue;  // start_epoch came in between: that batch is void
    if (failure) failure_ = failure;
    else ++prepared_;
    changed_.notify_all();
  }
}

void TrainBatchLoader::prepare(int64_t epoch, std::span<const int64_t> indices, int64_t first_position, Slot& slot) {
  const int64_t elements = train_.shape.size();
  const std::span<float> images(slot.images);
  if (!augment_) {
    assemble_batch(train_, normalization_, indices, images, slot.labels);
    return;
  }
  for (size_t k = 0; k < indices.size(); ++k) {
    const int64_t i = indices[k];
    if (i < 0 || i >= train_.size())
      throw std::out_of_range(fmt::format("TrainBatchLoader: index {} outside a set of {} images", i, train_.size()));
    augmenter_.apply(train_.image(i), epoch, first_position + static_cast<int64_t>(k), augmented_);
    normalize_image(augmented_, normalization_, images.subspan(k * elements, elements));
    slot.labels[k] = train_.labels[i];
  }
}

}  // namespace expt
