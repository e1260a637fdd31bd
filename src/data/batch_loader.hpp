#pragma once
// Training batches prepared ahead on a background thread while the backend computes: the
// images of each batch gathered in epoch order, augmented (data.augment) and normalised.
// Augmentation draws depend on (seed, epoch, position in the epoch) only, so batches do not
// depend on thread timing; without augmentation a batch is exactly what assemble_batch makes.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "data/augment.hpp"
#include "data/dataset.hpp"

namespace expt {

// One prepared batch (the trainer wraps it in a HostBatch; src/data does not depend on backends).
struct TrainBatch {
  int64_t n = 0;
  std::span<const float> images;  // n * shape.size(), NCHW, normalised
  std::span<const int32_t> labels;
};

class TrainBatchLoader {
 public:
  // `data` must outlive the loader; config supplies data.augment.
  TrainBatchLoader(const Dataset& data, const DataConfig& config, int64_t batch_size, uint64_t seed);
  ~TrainBatchLoader();  // joins the thread
  TrainBatchLoader(const TrainBatchLoader&) = delete;
  TrainBatchLoader& operator=(const TrainBatchLoader&) = delete;

  // The epoch's batches are order[b * batch_size, (b + 1) * batch_size) for b < order.size() /
  // batch_size; preparation starts at once. Abandons what is left of the previous epoch.
  void start_epoch(int64_t epoch, std::vector<int64_t> order);
  // The next batch of the epoch, waiting for it if needed. Valid until the next call to next()
  // or start_epoch(). Throws std::logic_error past the epoch's last batch, and rethrows what
  // failed on the background thread.
  TrainBatch next();

 private:
  static constexpr int64_t kSlots = 3;  // the batch handed out, plus two prepared ahead

  struct Slot {
    std::vector<float> images;
    std::vector<int32_t> labels;
  };

  void run();
  void prepare(int64_t epoch, std::span<const int64_t> indices, int64_t first_position, Slot& slot);

  const ImageSet& train_;
  const Normalization& normalization_;
  const int64_t batch_size_;
  ImageAugmenter augmenter_;
  const bool augment_;
  std::vector<uint8_t> augmented_;  // one image, on the background thread
  std::vector<Slot> slots_;

  std::mutex mutex_;
  std::condition_variable changed_;
  // Guarded by mutex_. Batch b lives in slot b % kSlots; it may be prepared once batch
  // b - kSlots is released, i.e. b < released_ + kSlots.
  uint64_t generation_ = 0;  // counts start_epoch calls, so a batch of an abandoned epoch is dropped
  int64_t epoch_ = 0;
  std::vector<int64_t> order_;
  int64_t steps_ = 0;
  int64_t prepared_ = 0;  // batches ready
  int64_t handed_out_ = 0;
  int64_t released_ = 0;  // batches the caller is done with
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::thread worker_;
};

}  // namespace expt
