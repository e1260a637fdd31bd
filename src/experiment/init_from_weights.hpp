#pragma once
// `model.init_from` applied: a freshly initialized network takes the file's tensors.
#include "backends/backend.hpp"
#include "config/experiment_config.hpp"

namespace expt {

// Overwrites the parameters that `from` selects with the file's tensors. The config check at
// load time has matched the file's header already; a file changed since then is a ReadError
// naming it and what no longer fits.
void load_init_from(const InitFromConfig& from, Network& net);

}  // namespace expt
