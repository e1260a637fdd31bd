#include <doctest/doctest.h>

#include "experiment/report.hpp"

using namespace expt;

TEST_CASE("report: JSON round trip keeps every field, and the summary is derived from the history") {
  Report r;
  r.name = "name";  // not a 1-character literal: GCC 12 warns -Wrestrict on those (GCC bug 105329)
  r.run_id = "id";
  r.config_hash = "abc";
  r.backend = "reference";
  r.seed = 3;
  r.status = RunStatus::completed;
  r.train_examples = 100;
  r.train_seconds = 2.0;
  r.epochs.push_back({1, 10, 0.1, 1.0, 0.50, 1.1, 0.40, 1.0, 100});
  r.epochs.push_back({2, 20, 0.1, 0.5, 0.90, 0.9, 0.70, 1.0, 100});
  r.epochs.push_back({3, 30, 0.1, 0.2, 0.95, 1.0, 0.65, 1.0, 100});
  r.steps.push_back({5, 0.1, 1.2, 0.4, 1.3, 0.3});

  const auto j = to_json(r);
  CHECK(j["schema_version"] == kReportSchemaVersion);
  CHECK(j["summary"]["final_test_accuracy"] == doctest::Approx(0.65));
  CHECK(j["summary"]["best_test_accuracy"] == doctest::Approx(0.70));
  CHECK(j["summary"]["best_epoch"] == 2);
  CHECK(j["summary"]["train_test_gap"] == doctest::Approx(0.30));
  CHECK(j["summary"]["images_per_second"] == doctest::Approx(150.0));  // 3 epochs x 100 images / 2 s

  const Report back = report_from_json(nlohmann::json::parse(j.dump()));
  CHECK(to_json(back).dump() == j.dump());
}

TEST_CASE("report: a run that stopped early with the best weights reports that epoch's metrics") {
  Report r;
  r.name = "name";
  r.status = RunStatus::stopped_early;
  r.epochs.push_back({1, 10, 0.1, 1.0, 0.50, 1.1, 0.40, 1.0, 100});
  r.epochs.push_back({2, 20, 0.1, 0.5, 0.90, 0.9, 0.70, 1.0, 100});
  r.epochs.push_back({3, 30, 0.1, 0.2, 0.95, 1.0, 0.65, 1.0, 100});
  r.best_checkpoint_epoch = 2;
  r.best_checkpoint_metric = "test_loss";
  r.final_weights_epoch = 2;
  const auto j = to_json(r);
  CHECK(j["status"] == "stopped_early");
  CHECK(j["summary"]["stopped_epoch"] == 3);
  CHECK(j["summary"]["final_weights_epoch"] == 2);
  CHECK(j["summary"]["final_test_accuracy"] == doctest::Approx(0.70));
  CHECK(j["summary"]["train_test_gap"] == doctest::Approx(0.20));
  CHECK(j["best_checkpoint"]["epoch"] == 2);
  CHECK(j["best_checkpoint"]["metric"] == "test_loss");
  const Report back = report_from_json(nlohmann::json::parse(j.dump()));
  CHECK(to_json(back).dump() == j.dump());

  // Reports from before these fields: the last epoch's weights, no best checkpoint.
  auto old = nlohmann::json::parse(j.dump());
  old.erase("best_checkpoint");
  old["summary"].erase("final_weights_epoch");
  const Report before = report_from_json(old);
  CHECK(before.best_checkpoint_epoch == 0);
  CHECK(before.final_test_accuracy() == doctest::Approx(0.65));
}

TEST_CASE("report: another schema version is rejected") {
  Report r;
  auto j = to_json(r);
  j["schema_version"] = kReportSchemaVersion + 1;
  CHECK_THROWS(report_from_json(nlohmann::json::parse(j.dump())));
}
