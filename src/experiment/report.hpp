#pragma once
// report.json: the record of one run. Its schema is versioned and documented in docs/report.md;
// `expt compare` and sweeps read it back, so fields are only ever added under a new version.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "training/run_status.hpp"

namespace expt {

inline constexpr int kReportSchemaVersion = 1;

struct EpochRecord {
  int64_t epoch = 0;  // 1-based in the report, as users count epochs
  uint64_t step = 0;
  double learning_rate = 0;
  double train_loss = 0, train_accuracy = 0;
  double test_loss = 0, test_accuracy = 0;
  double seconds = 0;
  double images_per_second = 0;
};

struct StepRecord {  // every log_every_steps steps
  uint64_t step = 0;
  double learning_rate = 0;
  double train_loss = 0, train_accuracy = 0;
  double test_loss = 0, test_accuracy = 0;
};

struct Report {
  std::string name, run_id, config_hash, config_file;
  std::string backend, device, precision;
  uint64_t seed = 0;
  int64_t threads = 0;  // CPU threads the arithmetic ran on (results depend on it); 0 on a GPU or unknown
  std::string git_commit;
  std::string expt_version;
  RunStatus status = RunStatus::running;
  std::string message;
  std::string started_at, finished_at;  // ISO 8601 UTC
  double setup_seconds = 0, train_seconds = 0, eval_seconds = 0, total_seconds = 0;
  int64_t parameters = 0;
  double forward_flops_per_image = 0;
  int64_t train_examples = 0, test_examples = 0;
  std::vector<std::string> class_names;
  std::vector<std::string> skipped_files;
  int64_t data_files = 0, data_decoded = 0;  // image data sets: files listed, files decoded this time
  std::string data_cache = "off";            // off | hit | written | rebuilt (...)
  double data_load_seconds = 0;
  int64_t network_memory_bytes = 0;
  int64_t peak_resident_bytes = 0;
  std::vector<EpochRecord> epochs;
  std::vector<StepRecord> steps;
  // checkpoints/best.safetensors: its epoch (0 while there is none) and the metric that chose it.
  int64_t best_checkpoint_epoch = 0;
  std::string best_checkpoint_metric;
  // The epoch whose weights the run ended with: 0 for the last one trained; with restore_best,
  // the best checkpoint's.
  int64_t final_weights_epoch = 0;

  // Derived from `epochs`. The final metrics are those of the final weights' epoch.
  const EpochRecord* final_epoch() const;  // null before the first epoch
  double final_test_accuracy() const;
  double best_test_accuracy() const;
  int64_t best_epoch() const;
  double final_train_accuracy() const;
  double images_per_second() const;  // over all training time
};

nlohmann::ordered_json to_json(const Report& report);
Report report_from_json(const nlohmann::json& j);  // throws std::exception on a malformed report
void write_report(const std::filesystem::path& path, const Report& report);  // atomically
Report read_report(const std::filesystem::path& path);  // throws IoError naming the path

}  // namespace expt
