#pragma once
// Per-layer wall time of each primitive execution, when NetworkOptions::profile is on.
#include <chrono>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <vector>

#include "backends/backend.hpp"

namespace expt::onednn {

enum class Direction { forward, backward_data, backward_weights };

class Profiler {
 public:
  // `table` is the network's timing table: one row per layer, then optimizer, loss, reorders.
  Profiler(std::vector<LayerTiming>& table, bool enabled) : enabled_(enabled), timings_(table) {}

  // Slots after the layers' own (which are the plan's layer indices).
  size_t optimizer_slot() const { return timings_.size() - 3; }
  size_t loss_slot() const { return timings_.size() - 2; }
  size_t reorders_slot() const { return timings_.size() - 1; }

  // Runs `work`; when profiling, waits for the stream so the time covers the whole execution.
  // Work in the reorders slot is also counted: that slot's `calls` is the number of copies
  // between layouts (and of the batch into the network), not the number of forward calls.
  template <class Work>
  void time(size_t slot, Direction direction, dnnl::stream& stream, Work&& work) {
    if (!enabled_) {
      work();
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    work();
    stream.wait();
    add(slot, direction, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (slot == reorders_slot()) ++timings_[slot].calls;
  }
  // Counts one call of every layer, the optimizer and the loss (once per forward).
  void count_forward_call();

 private:
  void add(size_t slot, Direction direction, double ms);
  bool enabled_;
  std::vector<LayerTiming>& timings_;
};

}  // namespace expt::onednn
