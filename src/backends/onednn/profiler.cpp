#include "backends/onednn/profiler.hpp"

namespace expt::onednn {

void Profiler::count_forward_call() {
  if (!enabled_) return;
  for (size_t slot = 0; slot < reorders_slot(); ++slot) ++timings_[slot].calls;
}

void Profiler::add(size_t slot, Direction direction, double ms) {
  LayerTiming& t = timings_[slot];
  switch (direction) {
    case Direction::forward:
      t.forward_ms += ms;
      break;
    case Direction::backward_data:
      t.backward_data_ms += ms;
      break;
    case Direction::backward_weights:
      t.backward_weights_ms += ms;
      break;
  }
}

}  // namespace expt::onednn
