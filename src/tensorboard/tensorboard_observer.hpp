#pragma once
// TensorBoard logs for one run, written under `<run_dir>/tensorboard`:
//   train/  scalars loss, accuracy (the logged training batch), learning_rate,
//           images_per_second, step_ms; epoch/loss, epoch/accuracy (whole epoch);
//           histograms parameters/<name> and gradients/<name>; images filters/<first conv>,
//           input/test_image and activations/<conv layer>; the layer graph
//   test/   scalars loss, accuracy (one test batch), epoch/loss, epoch/accuracy (test set) --
//           the same tags as train/, so TensorBoard overlays the two runs
//   ./      the resolved config (text "config"), hparams session start and end, and the
//           run/... metrics a sweep's experiment summary compares (see hparams.hpp)
// Cadence from TensorBoardConfig: scalars at each on_log (or at the first on_log past each
// multiple of every_steps), histograms and images at the start and at the first on_log past
// each multiple of their own intervals. docs/tensorboard.md describes what a user sees.
//
// Feature maps need a forward pass of one test image (Phase::eval). That replaces the
// network's "last forward", so it is done only in on_start (before any training) and on_log,
// which the trainer calls after the update and the probe evaluation, right before the next
// step's own forward. It assumes no observer after this one reads activations in on_log, and
// reads gradients before that forward pass.
//
// on_end flushes and closes every file and throws IoError if one could not be written.
#include <memory>

#include "config/flatten_config.hpp"
#include "training/observer.hpp"

namespace expt {

// `session_hparams`: the hyperparameters of the HParams session (a sweep member's varied keys,
// as flatten_config names them); empty: every scalar of the resolved config.
std::unique_ptr<TrainingObserver> make_tensorboard_observer(FlatConfig session_hparams = {});

}  // namespace expt
