#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "sweep/child_process.hpp"
#include "sweep/manifest.hpp"
#include "sweep/slurm_options.hpp"
#include "sweep/sweep_runner.hpp"
#include "slurm_test_support.hpp"

using namespace expt;
using namespace expt::testing;
namespace fs = std::filesystem;

namespace {

// Puts `folder` first on PATH for the test's lifetime.
class PathPrefix {
 public:
  explicit PathPrefix(const fs::path& folder) : old_(std::getenv("PATH") ? std::getenv("PATH") : "") {
    ::setenv("PATH", (folder.string() + ":" + old_).c_str(), 1);
  }
  ~PathPrefix() { ::setenv("PATH", old_.c_str(), 1); }

 private:
  std::string old_;
};

// A stand-in for a Slurm command: a shell script in `folder`.
void fake_command(const fs::path& folder, const std::string& name, const std::string& body) {
  fs::create_directories(folder);
  std::ofstream(folder / name) << "#!/bin/sh\n" << body << "\n";
  fs::permissions(folder / name, fs::perms::owner_all);
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

SweepOptions slurm_options(int pack) {
  SweepOptions o;
  o.quiet = true;
  o.launcher = Launcher::slurm;
  o.slurm.pack = pack;
  o.slurm.partition = "short";
  o.slurm.sbatch_options = {"mem=2G"};
  return o;
}

const std::string kGrid = "parameters: {training.dropout: [true, false]}\nrepeats: 2\n"
                          "launcher: {slurm: {account: lab, mem: 1G, exclusive: true, requeue: false}}\n";

}  // namespace

TEST_CASE("sweep file: launcher.slurm options become sbatch options; expt's own are refused") {
  const SweepSpec spec = parse_sweep_text(tiny_base("/tmp/r") + kGrid, "s.yaml");
  CHECK(spec.sbatch_options == std::vector<std::string>{"account=lab", "mem=1G", "exclusive"});
  CHECK_THROWS_WITH_AS(parse_sweep_text(tiny_base("/tmp/r") + "launcher: {slurm: {array: 0-3}}\n", "s.yaml"),
                       doctest::Contains("expt sets --array itself"), ConfigError);
  CHECK_THROWS_WITH_AS(parse_sweep_text(tiny_base("/tmp/r") + "launcher: {pbs: {queue: q}}\n", "s.yaml"),
                       doctest::Contains("unknown launcher 'pbs'"), ConfigError);
  CHECK(sbatch_option_problem("mem=8G").empty());
  CHECK(sbatch_option_problem("--mem=8G").find("without its dashes") != std::string::npos);
  CHECK(sbatch_option_problem("output=x").find("expt sets --output") != std::string::npos);
}

TEST_CASE("sweep file and command line: an sbatch value with a newline is refused, not written into the script") {
  CHECK_THROWS_WITH_AS(parse_sweep_text(tiny_base("/tmp/r") + "launcher: {slurm: {comment: \"x\\nrm -rf ~\"}}\n", "s.yaml"),
                       doctest::Contains("control character"), ConfigError);
  CHECK(sbatch_option_problem("comment=a\tb").find("control character") != std::string::npos);
  const TempFolder tmp;
  const fs::path file = tiny_sweep_file(tmp.path(), kGrid);
  SweepOptions bad_time = slurm_options(1);
  bad_time.slurm.time = "1:00\ntouch pwned";
  CHECK_THROWS_WITH_AS(run_sweep(file, bad_time), doctest::Contains("--time"), Error);
  CHECK_FALSE(fs::exists(tmp.path() / "results"));
}

TEST_CASE("child processes: stdin in, stdout, stderr and exit status out, without deadlock on large output") {
  const std::string big(300000, 'x');
  const ProgramResult cat = run_program(*find_on_path("cat"), {}, big);
  CHECK(cat.exit_code == 0);
  CHECK(cat.out == big);
  const ProgramResult sh = run_program(*find_on_path("sh"), {"-c", "echo out; echo err >&2; exit 3"}, big);
  CHECK(sh.exit_code == 3);  // it never reads stdin: the write sees EPIPE, expt lives on
  CHECK(sh.out == "out\n");
  CHECK(sh.err == "err\n");
  CHECK_FALSE(find_on_path("no-such-program-anywhere"));
}

TEST_CASE("slurm launcher: a refused submission leaves nothing behind") {
  const TempFolder tmp;
  const fs::path file = tiny_sweep_file(tmp.path(), kGrid);
  fake_command(tmp.path() / "bin", "sbatch", "cat >/dev/null; echo 'sbatch: error: Invalid account or account/partition combination specified' >&2; exit 1");
  const PathPrefix path(tmp.path() / "bin");
  CHECK_THROWS_WITH_AS(run_sweep(file, slurm_options(1)),
                       doctest::Contains("sbatch refused the job array (exit 1): sbatch: error: Invalid account"), BackendError);
  CHECK_FALSE(fs::exists(tmp.path() / "results"));
}

TEST_CASE("slurm launcher: submits one array of the members not done, with the script on stdin") {
  const TempFolder tmp;
  const fs::path file = tiny_sweep_file(tmp.path(), kGrid);
  const fs::path bin = tmp.path() / "bin";
  // Records its arguments and the script; the job is never run.
  fake_command(bin, "sbatch", "echo \"$@\" > \"$(dirname \"$0\")/args\"; cat > \"$(dirname \"$0\")/script\"; echo '41;cluster'");
  fake_command(bin, "squeue", "echo 41_0 PENDING; echo 41_1 COMPLETED");
  const PathPrefix path(bin);
  CHECK(run_sweep(file, slurm_options(3)) == 0);

  const fs::path dir = tmp.path() / "results" / "s";
  const Manifest m = read_manifest(dir / "sweep.json");
  REQUIRE(m.slurm_jobs.size() == 1);
  CHECK(m.slurm_jobs[0].job_id == "41");
  CHECK(m.slurm_jobs[0].tasks == 2);  // 4 members, 3 per task
  CHECK(m.slurm_jobs[0].members == 4);
  const std::string args = read_text(bin / "args");
  CHECK(args.find("--array=0-1 ") != std::string::npos);
  // The sweep file's options, then the command line's: sbatch keeps the last, so these win.
  CHECK(args.find("--account=lab --mem=1G --exclusive --partition=short --mem=2G") != std::string::npos);
  const std::string script = read_text(bin / "script");
  CHECK(script == read_text(dir / "slurm" / "job-41.sh"));
  CHECK(script.find(fmt::format("'{} {} {}'", m.members[0].id, m.members[1].id, m.members[2].id)) != std::string::npos);
  for (size_t i = 0; i < m.members.size(); ++i) {
    CHECK(m.members[i].slurm_task == (i < 3 ? "41_0" : "41_1"));
    CHECK(fs::exists(dir / "slurm" / "configs" / (m.members[i].id + ".yaml")));
  }

  SUBCASE("again: members whose task still waits are not submitted twice") {
    fake_command(bin, "sbatch", "cat >/dev/null; echo 42");
    CHECK(run_sweep(file, slurm_options(1)) == 0);
    const Manifest again = read_manifest(dir / "sweep.json");
    REQUIRE(again.slurm_jobs.size() == 2);
    CHECK(again.slurm_jobs[1].members == 1);  // task 41_1 completed without running its member
    CHECK(again.members[3].slurm_task == "42_0");
    CHECK(again.members[0].slurm_task == "41_0");
  }
  SUBCASE("a changed sweep file is refused before anything is submitted") {
    const fs::path changed = tiny_sweep_file(tmp.path(), "parameters: {training.dropout: [true]}\n");
    CHECK_THROWS_AS(run_sweep(changed, slurm_options(1)), ConfigError);
    CHECK(read_manifest(dir / "sweep.json").slurm_jobs.size() == 1);
  }
}

TEST_CASE("slurm launcher: a random search grown by more trials puts its new members into the manifest first") {
  const TempFolder tmp;
  const auto search = [&](int trials) {
    return tiny_sweep_file(tmp.path(), fmt::format("search: random\ntrials: {}\nsample_seed: 1\n"
                                                   "parameters: {{training.optimizer.learning_rate: {{log_uniform: [1.0e-4, 1.0e-2]}}}}\n",
                                                   trials));
  };
  const fs::path bin = tmp.path() / "bin";
  const fs::path dir = tmp.path() / "results" / "s";
  // The stand-in sbatch reads the manifest as the array's tasks would when they start.
  fake_command(bin, "sbatch", fmt::format("cat > \"$(dirname \"$0\")/script\"; cp '{}' \"$(dirname \"$0\")/seen.json\"; echo 51",
                                          (dir / "sweep.json").string()));
  fake_command(bin, "squeue", "echo 51_0 RUNNING; echo 51_1 RUNNING");
  const PathPrefix path(bin);
  CHECK(run_sweep(search(2), slurm_options(1)) == 0);
  const Manifest first = read_manifest(dir / "sweep.json");
  REQUIRE(first.members.size() == 2);

  fake_command(bin, "sbatch", fmt::format("cat > \"$(dirname \"$0\")/script\"; cp '{}' \"$(dirname \"$0\")/seen.json\"; echo 52",
                                          (dir / "sweep.json").string()));
  CHECK(run_sweep(search(3), slurm_options(1)) == 0);
  const Manifest grown = read_manifest(dir / "sweep.json");
  REQUIRE(grown.members.size() == 3);
  CHECK(grown.members[0].id == first.members[0].id);
  CHECK(grown.members[1].id == first.members[1].id);
  const std::string added = grown.members[2].id;
  CHECK(grown.members[2].slurm_task == "52_0");
  CHECK(grown.slurm_jobs.back().members == 1);  // the first two are still running in job 51
  CHECK(read_text(bin / "script").find(added) != std::string::npos);
  // When sbatch ran, the manifest already held the new member.
  CHECK(find_member(read_manifest(bin / "seen.json"), added) != nullptr);
}
