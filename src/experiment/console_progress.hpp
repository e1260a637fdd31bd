#pragma once
#include <memory>

#include "training/observer.hpp"

namespace expt {

// On a terminal: one progress line redrawn in place (epoch, step, loss, accuracy, images/s, ETA).
// Otherwise: plain lines, one per log interval of about a tenth of an epoch and one per epoch,
// so logs stay readable. `quiet` prints nothing but errors.
std::unique_ptr<TrainingObserver> make_console_progress(bool quiet);

}  // namespace expt
