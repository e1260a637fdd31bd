// Random search (draws from the sweep's own seed, mixed with grid axes and seeds, growable) and
// ASHA (rungs, promotions recorded in the manifest, pruned members, no epoch trained twice).
#include <doctest/doctest.h>

#include <set>

#include "config/load_config.hpp"
#include "core/error.hpp"
#include "experiment/report.hpp"
#include "experiment/run.hpp"
#include "sweep/asha.hpp"
#include "sweep/expand.hpp"
#include "sweep/manifest.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/sweep_spec.hpp"
#include "sweep_test_support.hpp"

using namespace expt;
using namespace expt::testing;
namespace fs = std::filesystem;

namespace {

SweepOptions quiet(int jobs = 1) {
  SweepOptions o;
  o.quiet = true;
  o.jobs = jobs;
  return o;
}

std::string random_search(const fs::path& results, int trials, const std::string& extra = "") {
  return tiny_base(results) + "search: random\ntrials: " + std::to_string(trials) + R"(
sample_seed: 3
parameters:
  training.optimizer.learning_rate: {log_uniform: [1.0e-3, 3.0e-2]}
  training.dropout: [true, false]
  model.layers.conv1.filters: {int_uniform: [2, 6]}
  model.layers.drop1.rate: {uniform: [0.1, 0.5]}
repeats: 2
)" + extra;
}

std::set<std::string> ids_of(const SweepPlan& plan) {
  std::set<std::string> ids;
  for (const auto& m : plan.members) ids.insert(m.id);
  return ids;
}

std::string error_of(const std::string& text) {
  try {
    expand_sweep(parse_sweep_text(text, "bad.yaml"), {});
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("random search: each trial x each grid point x each seed is a member, readable and drawn from the seed") {
  const SweepPlan plan = expand_sweep(parse_sweep_text(random_search("/tmp/r", 3), "r.yaml"), {});
  REQUIRE(plan.members.size() == 3 * 2 * 2);
  CHECK(plan.parameter_keys == std::vector<std::string>{"training.optimizer.learning_rate", "training.dropout",
                                                        "model.layers.conv1.filters", "model.layers.drop1.rate", "seed"});
  // Trial-major: a trial's grid points and seeds share its draws.
  for (size_t t = 0; t < 3; ++t)
    for (size_t j = 1; j < 4; ++j) {
      const auto& first = plan.members[4 * t].parameters;
      const auto& other = plan.members[4 * t + j].parameters;
      CHECK(first[0] == other[0]);
      CHECK(first[2] == other[2]);
      CHECK(first[3] == other[3]);
    }
  CHECK(plan.members[0].parameters[1].second == "true");
  CHECK(plan.members[2].parameters[1].second == "false");
  for (const auto& m : plan.members) {
    const std::string& lr = m.parameters[0].second;
    CHECK(lr.size() <= 10);  // four significant digits, e.g. 0.004512
    CHECK(std::stod(lr) >= 1e-3);
    CHECK(std::stod(lr) <= 3e-2);
    const int filters = std::stoi(m.parameters[2].second);
    CHECK(filters >= 2);
    CHECK(filters <= 6);
    CHECK(m.parameters[2].second == std::to_string(filters));
    CHECK(m.config.training.optimizer.learning_rate == doctest::Approx(std::stod(lr)));
  }

  SUBCASE("the same file gives the same members; another sample_seed others") {
    CHECK(ids_of(expand_sweep(parse_sweep_text(random_search("/tmp/r", 3), "r.yaml"), {})) == ids_of(plan));
    std::string reseeded = random_search("/tmp/r", 3);
    reseeded.replace(reseeded.find("sample_seed: 3"), 14, "sample_seed: 4");
    const auto other = ids_of(expand_sweep(parse_sweep_text(reseeded, "r.yaml"), {}));
    CHECK(other.size() == plan.members.size());
    for (const auto& id : other) CHECK_FALSE(ids_of(plan).contains(id));
  }
  SUBCASE("growing trials keeps every earlier member, in its place") {
    const SweepPlan more = expand_sweep(parse_sweep_text(random_search("/tmp/r", 7), "r.yaml"), {});
    REQUIRE(more.members.size() == 7 * 4);
    for (size_t i = 0; i < plan.members.size(); ++i) CHECK(more.members[i].id == plan.members[i].id);
  }
  SUBCASE("a key's draws depend on the key, not on the other parameters or their order") {
    const SweepSpec alone = parse_sweep_text(tiny_base("/tmp/r") + R"(
search: random
trials: 3
sample_seed: 3
parameters:
  model.layers.drop1.rate: {uniform: [0.1, 0.5]}
)", "r.yaml");
    const auto points = sweep_points(alone);
    for (size_t t = 0; t < 3; ++t) CHECK(points[t][0].second == plan.members[4 * t].parameters[3].second);
  }
}

TEST_CASE("random search: a resumed sweep with more trials keeps its finished members") {
  const TempFolder tmp;
  const auto file = write_sweep(tmp.path(), "grow", random_search(tmp.path() / "results", 1));
  REQUIRE(run_sweep(file, quiet()) == 0);
  const Manifest before = read_manifest(tmp.path() / "results" / "grow" / "sweep.json");
  REQUIRE(before.members.size() == 4);
  write_sweep(tmp.path(), "grow", random_search(tmp.path() / "results", 2));
  REQUIRE(run_sweep(file, quiet()) == 0);
  const Manifest after = read_manifest(tmp.path() / "results" / "grow" / "sweep.json");
  REQUIRE(after.members.size() == 8);
  for (size_t i = 0; i < 4; ++i) {
    CHECK(after.members[i].id == before.members[i].id);
    CHECK(after.members[i].starts == 1);
    CHECK(after.members[i].attempts.size() == 1);
  }
  for (const auto& r : after.members) CHECK(r.state == MemberState::done);

  SUBCASE("fewer trials than recorded is another sweep") {
    write_sweep(tmp.path(), "grow", random_search(tmp.path() / "results", 1));
    CHECK_THROWS_WITH_AS(run_sweep(file, quiet()), doctest::Contains("members removed"), ConfigError);
  }
}

TEST_CASE("random search: mistakes name the file, line and key") {
  const std::string base = tiny_base("/tmp/r");
  CHECK(error_of(base + "search: random\ntrials: 2\nparameters:\n  training.optimizer.learning_rate: {uniform: [0.1, 0.01]}\n")
            .find("bad.yaml:18:47: parameters.training.optimizer.learning_rate.uniform: low must be below high") !=
        std::string::npos);
  CHECK(error_of(base + "search: random\ntrials: 2\nparameters:\n  training.optimizer.learning_rate: {log_uniform: [0, 0.1]}\n")
            .find("bad.yaml:18:51: parameters.training.optimizer.learning_rate.log_uniform: log_uniform needs low > 0") !=
        std::string::npos);
  CHECK(error_of(base + "search: random\ntrials: 2\nparameters:\n  model.layers.conv1.filters: {int_uniform: [2, 4.5]}\n")
            .find("bad.yaml:18:49: parameters.model.layers.conv1.filters.int_uniform: expected a whole number, got '4.5'") !=
        std::string::npos);
  CHECK(error_of(base + "search: random\ntrials: 2\nparameters:\n  model.layers.conv1.filters: {int_uniform: [5, 4]}\n")
            .find("low must not be above high") != std::string::npos);
  CHECK(error_of(base + "search: random\ntrials: 2\nparameters:\n  training.batch_size: {choice: []}\n")
            .find("bad.yaml:18:33: parameters.training.batch_size.choice: expected a non-empty list") != std::string::npos);
  CHECK(error_of(base + "search: random\ntrials: 0\nparameters:\n  training.batch_size: {choice: [10]}\n")
            .find("bad.yaml:16:9: trials: must be at least 1") != std::string::npos);
  CHECK(error_of(base + "search: random\nparameters:\n  training.batch_size: {choice: [10]}\n")
            .find("bad.yaml:15:9: trials: missing: `search: random` needs `trials: N`") != std::string::npos);
  CHECK(error_of(base + "search: grid\ntrials: 3\n").find("bad.yaml:16:9: trials: only for `search: random`") !=
        std::string::npos);
  CHECK(error_of(base + "search: sobol\n").find("bad.yaml:15:9: search: expected grid or random") != std::string::npos);
  CHECK(error_of(base + "search: random\ntrials: 2\nparameters:\n  training.learning_rat: {uniform: [0.1, 0.2]}\n")
            .find("bad.yaml:18:26: parameters.training.learning_rat: unknown key 'learning_rat'") != std::string::npos);
  CHECK(error_of(base + "parameters:\n  model.layers.conv9.filters: [2, 3]\n")
            .find("bad.yaml:16:31: parameters.model.layers.conv9.filters: ") != std::string::npos);
  CHECK(error_of(base + "parameters:\n  model.layers.conv9.filters: [2, 3]\n").find("has no entry 'conv9'") != std::string::npos);
  const std::string scheduler = "search: random\ntrials: 2\nparameters: {training.batch_size: {choice: [10]}}\nscheduler: ";
  CHECK(error_of(base + scheduler + "{type: asha, max_epochs: 4, metric: train_loss}\n")
            .find("bad.yaml:18:48: scheduler.metric: runs do not report 'train_loss'") != std::string::npos);
  CHECK(error_of(base + scheduler + "{type: hyperband, max_epochs: 4}\n").find("scheduler.type: expected asha") !=
        std::string::npos);
  CHECK(error_of(base + scheduler + "{type: asha, min_epochs: 3, max_epochs: 2}\n")
            .find("scheduler.max_epochs: must be at least 3") != std::string::npos);
  CHECK(error_of(base + scheduler + "{type: asha, max_epochs: 4, reduction_factor: 1}\n")
            .find("scheduler.reduction_factor: must be at least 2") != std::string::npos);
  CHECK(error_of(base + scheduler + "{type: asha, max_epochs: 4, patience: 1}\n")
            .find("scheduler.patience: unknown scheduler key") != std::string::npos);
}

TEST_CASE("asha: rungs are min_epochs * rf^k below max_epochs, then max_epochs") {
  CHECK(asha_rungs({1, 9, 3, "test_accuracy"}) == std::vector<int64_t>{1, 3, 9});
  CHECK(asha_rungs({2, 5, 2, "test_accuracy"}) == std::vector<int64_t>{2, 4, 5});
  CHECK(asha_rungs({1, 8, 3, "test_accuracy"}) == std::vector<int64_t>{1, 3, 8});
  CHECK(asha_rungs({4, 4, 2, "test_accuracy"}) == std::vector<int64_t>{4});
}

TEST_CASE("asha: a free worker takes the top 1/rf at the highest rung first, else a new member") {
  const AshaSpec asha{1, 4, 2, "test_loss"};  // rungs 1, 2, 4; lower loss is better
  Manifest m;
  for (const char* id : {"a", "b", "c", "d", "e"}) {
    m.members.emplace_back();
    m.members.back().id = id;
  }
  auto paused_at = [&](size_t i, std::vector<double> metrics) {
    m.members[i].state = MemberState::paused;
    m.members[i].rung = static_cast<int64_t>(metrics.size()) - 1;
    m.members[i].rung_metrics = std::move(metrics);
  };
  const auto idle = [](const MemberRecord&) { return false; };
  paused_at(0, {0.9});
  // One report at rung 0: the top 1/2 of one member is nobody, so a new member starts.
  CHECK(next_asha_member(m, asha, idle) == 1u);
  CHECK(m.members[0].state == MemberState::paused);
  paused_at(1, {0.5});
  CHECK(next_asha_member(m, asha, idle) == 1u);  // b is the better half of {a, b}: promoted
  CHECK(m.members[1].rung == 1);
  CHECK(m.members[1].state == MemberState::pending);
  paused_at(1, {0.5, 0.4});
  paused_at(2, {0.7});
  paused_at(3, {0.8});
  // Four at rung 0: b and c are the top two; b went on already, so c is promoted.
  CHECK(next_asha_member(m, asha, idle) == 2u);
  CHECK(m.members[2].rung == 1);
  paused_at(2, {0.7, 0.3});
  // Two at rung 1: c (0.3) beats b (0.4) and goes to the top rung before anything else.
  CHECK(next_asha_member(m, asha, idle) == 2u);
  CHECK(m.members[2].rung == 2);
  m.members[2].state = MemberState::done;
  // A busy member is left to its process; then the last new member starts.
  CHECK(next_asha_member(m, asha, [](const MemberRecord& r) { return r.id == "e"; }) == std::nullopt);
  CHECK(next_asha_member(m, asha, idle) == 4u);
  m.members[4].state = MemberState::running;
  CHECK(asha_may_promote_later(m));
  paused_at(4, {2.0});
  CHECK(next_asha_member(m, asha, idle) == std::nullopt);
  CHECK_FALSE(asha_may_promote_later(m));
  prune_paused(m);
  for (size_t i : {0, 1, 3, 4}) CHECK(m.members[i].state == MemberState::pruned);
}

TEST_CASE("asha: with --jobs 2 members are promoted by their rung results and the rest pruned, no epoch trained twice") {
  const TempFolder tmp;
  const auto file = write_sweep(tmp.path(), "asha", random_search(tmp.path() / "results", 3, R"(
scheduler: {type: asha, min_epochs: 1, max_epochs: 4, reduction_factor: 2, metric: test_accuracy}
)"));
  REQUIRE(run_sweep(file, quiet(2)) == 0);
  const fs::path dir = tmp.path() / "results" / "asha";
  const Manifest m = read_manifest(dir / "sweep.json");
  REQUIRE(m.members.size() == 12);
  CHECK(m.scheduler.max_epochs == 4);  // recorded for the Slurm array tasks
  CHECK(m.scheduler.reduction_factor == 2);
  size_t done = 0, pruned = 0, promoted = 0;
  for (const auto& r : m.members) {
    CAPTURE(describe(r.parameters));
    CHECK((r.state == MemberState::done || r.state == MemberState::pruned || r.state == MemberState::stopped_early));
    done += r.state == MemberState::done;
    pruned += r.state == MemberState::pruned;
    promoted += r.rung > 0;
    const std::vector<int64_t> rungs{1, 2, 4};
    CHECK(r.epochs_done == rungs[static_cast<size_t>(r.rung)]);
    CHECK(r.rung_metrics.size() == static_cast<size_t>(r.rung) + 1);
    // Each attempt starts where the previous rung ended: no epoch is trained twice.
    REQUIRE(r.attempts.size() == static_cast<size_t>(r.rung) + 1);
    for (size_t k = 0; k < r.attempts.size(); ++k)
      CHECK(r.attempts[k].from_epoch == (k == 0 ? 0 : rungs[k - 1]));
    const Report report = read_report(dir / r.id / "report.json");
    CHECK(report.status == (r.state == MemberState::done ? RunStatus::completed : RunStatus::paused));
    REQUIRE(report.epochs.size() == static_cast<size_t>(r.epochs_done));
    for (size_t e = 0; e < report.epochs.size(); ++e) CHECK(report.epochs[e].epoch == static_cast<int64_t>(e) + 1);
    CHECK(r.rung_metrics.back() == doctest::Approx(report.epochs.back().test_accuracy));
  }
  // 12 at rung 0 promote at least 6 / 2 = ... the top half of each rung, at least once each.
  CHECK(promoted >= 6);
  CHECK(done >= 1);
  CHECK(pruned >= 6);

  SUBCASE("running it again changes nothing") {
    REQUIRE(run_sweep(file, quiet(2)) == 0);
    const Manifest again = read_manifest(dir / "sweep.json");
    for (size_t i = 0; i < m.members.size(); ++i) {
      CHECK(again.members[i].state == m.members[i].state);
      CHECK(again.members[i].starts == m.members[i].starts);
    }
  }
}

TEST_CASE("asha: a run paused at a rung and resumed later has the history of one uninterrupted run") {
  const TempFolder tmp;
  const std::string config = R"(
seed: 5
backend: reference
threads: 1
results_dir: )" + (tmp.path() / "results").string() + R"(
data: {dataset: synthetic, image_size: 12, channels: 1, synthetic: {classes: 3, train: 120, test: 60}}
model:
  layers:
    - {type: conv2d, name: conv1, filters: 4, kernel: 3, activation: relu}
    - {type: dropout, name: drop1, rate: 0.25}
    - {type: dense, name: logits, units: classes}
training: {epochs: 4, batch_size: 20, optimizer: {type: adam, learning_rate: 0.01},
           schedule: {type: cosine, min_learning_rate: 1.0e-4}, log_every_steps: 3}
tensorboard: {enabled: false}
)";
  const ExperimentConfig c = load_config_text(config, "run.yaml", {});
  RunOptions whole;
  whole.quiet = true;
  whole.run_dir = tmp.path() / "whole";
  const Report reference = run_experiment(c, whole).report;

  RunOptions rung;
  rung.quiet = true;
  rung.run_dir = tmp.path() / "paused";
  rung.pause_after_epochs = 1;
  const RunOutcome first = run_experiment(c, rung);
  CHECK(first.exit_code == ExitCode::ok);
  CHECK(first.report.status == RunStatus::paused);
  CHECK(first.report.epochs.size() == 1);
  RunOptions resume;
  resume.quiet = true;
  resume.resume_dir = rung.run_dir;
  resume.pause_after_epochs = 3;
  CHECK(run_experiment(load_config(rung.run_dir / "config.yaml"), resume).report.epochs.size() == 3);
  resume.pause_after_epochs = 0;
  const Report resumed = run_experiment(load_config(rung.run_dir / "config.yaml"), resume).report;
  CHECK(resumed.status == RunStatus::completed);
  REQUIRE(resumed.epochs.size() == reference.epochs.size());
  for (size_t e = 0; e < reference.epochs.size(); ++e) {
    CAPTURE(e);
    CHECK(resumed.epochs[e].epoch == reference.epochs[e].epoch);
    CHECK(resumed.epochs[e].learning_rate == reference.epochs[e].learning_rate);
    CHECK(resumed.epochs[e].train_loss == reference.epochs[e].train_loss);
    CHECK(resumed.epochs[e].test_accuracy == reference.epochs[e].test_accuracy);
  }
}
