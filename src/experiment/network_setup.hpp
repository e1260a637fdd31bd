#pragma once
// From a loaded config to a backend that can run it here: one place for `expt run`, `expt bench`
// and `expt validate`, so all three refuse the same configs for the same reason.
#include <memory>

#include "backends/backend.hpp"
#include "config/experiment_config.hpp"
#include "layers/network_plan.hpp"

namespace expt {

// The network options the config asks for, sized for batches of up to `max_batch`.
NetworkOptions network_options(const ExperimentConfig& config, int64_t max_batch);

// The backend `config.backend` names (or `auto` picks), after checking that it runs every layer
// of `plan` with `options` on this machine. Throws BackendError with the reason otherwise.
std::unique_ptr<Backend> backend_for(const ExperimentConfig& config, const NetworkPlan& plan,
                                     const NetworkOptions& options);

}  // namespace expt
