#pragma once
// Checkpoints in the safetensors format (8-byte little-endian header length, a JSON header of
// name -> {dtype, shape, data_offsets}, then the raw little-endian data) with PyTorch's names
// and layouts, so `torch` can load the weights directly:
//   <layer>.weight / <layer>.bias              the parameters
//   optimizer.<layer>.weight.<slot>            exp_avg, exp_avg_sq (Adam) or momentum_buffer
// Metadata (`__metadata__`) records the format, step, epoch and config hash for --resume.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "backends/backend.hpp"

namespace expt {

struct CheckpointInfo {
  uint64_t step = 0;        // optimizer updates done
  int64_t epochs_done = 0;  // whole epochs finished
  std::string config_hash;
};

// Writes atomically. With include_optimizer false only the parameters are stored.
void save_checkpoint(const std::filesystem::path& path, const Network& net, OptimizerConfig::Kind optimizer,
                     const CheckpointInfo& info, bool include_optimizer = true);

// Loads parameters (and optimizer state when present) into `net`. Throws ReadError naming the path
// for a truncated, corrupt or malformed file, and for tensors whose names or shapes do not match the model.
CheckpointInfo load_checkpoint(const std::filesystem::path& path, Network& net, OptimizerConfig::Kind optimizer);

// The optimizer-state tensor names per slot, shared with PyTorch's state_dict keys.
const char* optimizer_slot_name(OptimizerConfig::Kind kind, int slot);

}  // namespace expt
