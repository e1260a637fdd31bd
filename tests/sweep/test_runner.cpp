#include <doctest/doctest.h>

#include "core/error.hpp"
#include "experiment/report.hpp"
#include "sweep/manifest.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep_test_support.hpp"

using namespace expt;
using namespace expt::testing;

namespace {

SweepOptions quiet() {
  SweepOptions o;
  o.quiet = true;
  return o;
}

const MemberRecord& member_with(const Manifest& m, const std::string& parameters) {
  for (const auto& r : m.members)
    if (describe(r.parameters) == parameters) return r;
  FAIL("no member " << parameters);
  throw;
}

}  // namespace

TEST_CASE("sweep: failing and diverging members are recorded and the others still run") {
  const TempFolder tmp;
  const auto& dir = tmp.path();
  const auto file = write_sweep(dir, "f", tiny_base(dir / "results") + R"(
parameters:
  training.optimizer: [{type: adam, learning_rate: 0.01}, {type: sgd, learning_rate: 1.0e30}]
  training.batch_size: [20, 1000]
)");
  CHECK(run_sweep(file, quiet()) == 0);
  const Manifest m = read_manifest(dir / "results" / "f" / "sweep.json");
  const std::string adam = "training.optimizer={type: adam, learning_rate: 0.01}";
  const std::string sgd = "training.optimizer={type: sgd, learning_rate: 1.0e30}";
  const MemberRecord& ok = member_with(m, adam + ", training.batch_size=20");
  CHECK(ok.state == MemberState::done);
  CHECK(ok.epochs_done == 2);
  CHECK(ok.final_test_accuracy > 0.34);
  const MemberRecord& diverged = member_with(m, sgd + ", training.batch_size=20");
  CHECK(diverged.state == MemberState::diverged);
  CHECK_FALSE(diverged.message.empty());
  const MemberRecord& failed = member_with(m, adam + ", training.batch_size=1000");
  CHECK(failed.state == MemberState::failed);
  CHECK(failed.message.find("batch_size") != std::string::npos);
  const Report report = read_report(dir / "results" / "f" / ok.id / "report.json");
  CHECK(report.status == RunStatus::completed);
  CHECK(report.run_id == ok.id);

  SUBCASE("running it again skips done and diverged members and retries failed ones") {
    CHECK(run_sweep(file, quiet()) == 0);
    const Manifest again = read_manifest(dir / "results" / "f" / "sweep.json");
    CHECK(member_with(again, adam + ", training.batch_size=20").starts == 1);
    CHECK(member_with(again, sgd + ", training.batch_size=20").starts == 1);
    CHECK(member_with(again, adam + ", training.batch_size=1000").starts == 2);
  }
  SUBCASE("--fail-fast stops at the first failure with its exit code") {
    const auto ff = write_sweep(dir, "ff", tiny_base(dir / "results") + R"(
parameters:
  training.optimizer: [{type: sgd, learning_rate: 1.0e30}, {type: adam, learning_rate: 0.01}]
)");
    SweepOptions o = quiet();
    o.fail_fast = true;
    CHECK(run_sweep(ff, o) == static_cast<int>(ExitCode::diverged));
    const Manifest m2 = read_manifest(dir / "results" / "ff" / "sweep.json");
    CHECK(m2.members[0].state == MemberState::diverged);
    CHECK(m2.members[1].state == MemberState::pending);
  }
}

TEST_CASE("sweep: a changed sweep file is refused, naming what changed; --jobs runs members side by side") {
  const TempFolder tmp;
  const auto& dir = tmp.path();
  const auto file = write_sweep(dir, "c", tiny_base(dir / "results") + "parameters: {training.dropout: [true, false]}\n");
  SweepOptions two = quiet();
  two.jobs = 2;
  CHECK(run_sweep(file, two) == 0);
  const Manifest m = read_manifest(dir / "results" / "c" / "sweep.json");
  for (const auto& r : m.members) CHECK(r.state == MemberState::done);

  write_sweep(dir, "c", tiny_base(dir / "results") + "parameters: {training.dropout: [true, false]}\nrepeats: 2\n");
  CHECK_THROWS_WITH_AS(run_sweep(file, quiet()), doctest::Contains("2 members added"), ConfigError);
  CHECK_THROWS_WITH_AS(run_sweep(file, quiet()), doctest::Contains("c.yaml no longer describes the sweep"), ConfigError);
  SweepOptions epochs = quiet();
  write_sweep(dir, "c", tiny_base(dir / "results") + "parameters: {training.dropout: [true, false]}\n");
  epochs.overrides = {"training.epochs=3"};
  CHECK_THROWS_WITH_AS(run_sweep(file, epochs), doctest::Contains("training.epochs 2 -> 3"), ConfigError);
  // Unchanged again: nothing to do.
  CHECK(run_sweep(file, quiet()) == 0);
}

TEST_CASE("sweep: resuming removes the temporary files of killed manifest and slurm/ writes") {
  const TempFolder tmp;
  const auto& dir = tmp.path();
  const auto file = write_sweep(dir, "t", tiny_base(dir / "results") + "parameters: {training.dropout: [true, false]}\n");
  CHECK(run_sweep(file, quiet()) == 0);
  const auto sweep_dir = dir / "results" / "t";
  // What a kill -9 between mkstemp and rename leaves (atomic_file.hpp), and two files to keep.
  const std::vector<std::filesystem::path> abandoned = {sweep_dir / ".sweep.json.tmp-a1B2c3",
                                                        sweep_dir / "slurm" / "configs" / ".m.yaml.tmp-Xy9Z8w"};
  const std::vector<std::filesystem::path> kept = {sweep_dir / "notes.txt", sweep_dir / ".sweep.json.tmp-notes"};
  std::filesystem::create_directories(sweep_dir / "slurm" / "configs");
  for (const auto& path : abandoned) std::ofstream(path) << "{\"half\": ";
  for (const auto& path : kept) std::ofstream(path) << "mine";

  CHECK(run_sweep(file, quiet()) == 0);
  for (const auto& path : abandoned) CHECK_MESSAGE(!std::filesystem::exists(path), path);
  for (const auto& path : kept) CHECK_MESSAGE(std::filesystem::exists(path), path);
  CHECK(read_manifest(sweep_dir / "sweep.json").members.size() == 2);
}
