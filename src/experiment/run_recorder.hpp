#pragma once
// Keeps the run folder up to date while training: report.json after every epoch and at the end
// (whatever the ending), checkpoints/last.safetensors every `checkpoint_every_epochs` and after
// the last epoch, and checkpoints/best.safetensors (weights only) whenever an epoch is the best
// so far (training/best_epoch.hpp). With early stopping's restore_best, a finished run ends with
// the best weights.
#include <filesystem>
#include <memory>

#include "training/observer.hpp"
#include "experiment/report.hpp"

namespace expt {

std::unique_ptr<TrainingObserver> make_run_recorder(Report& report, const std::filesystem::path& run_dir);

// Peak resident memory of this process so far, in bytes.
int64_t peak_resident_bytes();
// Current UTC time as ISO 8601 (2026-11-29T20:31:34Z).
std::string utc_now_iso8601();

}  // namespace expt
