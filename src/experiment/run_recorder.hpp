#pragma once
// Keeps the run folder up to date while training: report.json after every epoch and at the end
// (whatever the ending), and checkpoints/last.safetensors every `checkpoint_every_epochs`.
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
