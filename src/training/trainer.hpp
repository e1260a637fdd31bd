#pragma once
// The training loop. It sees a Network (never which backend runs it), the data, and observers.
#include <cstdint>
#include <vector>

#include "training/best_epoch.hpp"
#include "training/observer.hpp"

namespace expt {

struct TrainerStart {
  uint64_t step = 0;         // optimizer updates already done (resume)
  int64_t epochs_done = 0;   // whole epochs already done (resume)
  BestEpoch best;            // the best of those epochs
  int64_t pause_after = 0;   // > 0: stop (status paused) once this many epochs are done; a sweep
                             // scheduler resumes the run later. The schedule still spans all epochs
};

// Runs epochs [start.epochs_done, config.training.epochs), or up to start.pause_after. Returns how it ended; observers
// have seen on_end by then. Stops after the current step on Ctrl-C, at the first step whose
// loss is NaN or Inf, and with early stopping after the epoch that runs out of patience (or at
// once, when the epochs already done have).
RunEnd train(Network& net, const RunContext& ctx, TrainerStart start, const std::vector<TrainingObserver*>& observers);

// Evaluates `set` in batches of `batch_size` with dropout off.
BatchMetrics evaluate(Network& net, const ImageSet& set, const Normalization& norm, int64_t batch_size);

// The order of training examples in `epoch`: a permutation drawn from (seed, epoch) alone.
std::vector<int64_t> epoch_order(int64_t size, uint64_t seed, int64_t epoch);

}  // namespace expt
