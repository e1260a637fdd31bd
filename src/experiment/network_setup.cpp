#include "experiment/network_setup.hpp"

#include "backends/registry.hpp"

namespace expt {

NetworkOptions network_options(const ExperimentConfig& config, int64_t max_batch) {
  NetworkOptions options;
  options.optimizer = config.training.optimizer;
  options.seed = config.seed;
  options.dropout = config.training.dropout;
  options.max_batch = max_batch;
  options.precision = config.precision;
  options.threads = config.threads;
  options.gpu = config.gpu;
  return options;
}

std::unique_ptr<Backend> backend_for(const ExperimentConfig& config, const NetworkPlan& plan,
                                     const NetworkOptions& options) {
  auto backend = make_backend(config.backend);
  check_backend_runs(*backend, plan, options);
  return backend;
}

}  // namespace expt
