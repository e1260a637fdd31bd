#include <doctest/doctest.h>

#include "core/error.hpp"
#include "sweep/sweep_spec.hpp"
#include "sweep_test_support.hpp"

using namespace expt;
using namespace expt::testing;

TEST_CASE("sweep file: a grid with an inline base, overrides and repeats") {
  const SweepSpec s = parse_sweep_text(tiny_base("/tmp/r") + R"(
name: g
overrides: {training.epochs: 1}
parameters:
  training.dropout: [true, false]
  model.layers.conv1.kernel: [3, [3, 3]]
repeats: 2
)", "dir/g.yaml");
  CHECK(s.name == "g");
  CHECK(s.base_source == "dir/g.yaml (base)");
  CHECK(s.overrides == std::vector<std::string>{"training.epochs=1"});
  REQUIRE(s.parameters.size() == 2);
  CHECK(s.parameters[0].values == std::vector<std::string>{"true", "false"});
  CHECK(s.parameters[1].values == std::vector<std::string>{"3", "[3, 3]"});
  CHECK(s.repeats == 2);
  CHECK(s.trials == 0);
}

TEST_CASE("sweep file: the base file is relative to the sweep file; the name defaults to the stem") {
  const TempFolder tmp;
  const auto& dir = tmp.path();
  std::ofstream(dir / "run.yaml") << "name: x\n";
  const SweepSpec s = parse_sweep_text("base: run.yaml\nparameters: {seed_like: [1]}\n", dir / "grid.yaml");
  CHECK(s.name == "grid");
  CHECK(s.base_yaml == "name: x\n");
  CHECK(s.base_source == (dir / "run.yaml").string());
}

TEST_CASE("sweep file: random search distributions") {
  const SweepSpec s = parse_sweep_text(tiny_base("/tmp/r") + R"(
trials: 5
sample_seed: 9
parameters:
  training.optimizer.learning_rate: {log_uniform: [1.0e-4, 1.0e-1]}
  model.layers.drop1.rate: {uniform: [0.1, 0.6]}
  training.batch_size: {choice: [10, 20]}
)", "r.yaml");
  CHECK(s.trials == 5);
  CHECK(s.sample_seed == 9);
  CHECK(s.parameters[0].kind == SweepParameter::Kind::log_uniform);
  CHECK(s.parameters[1].low == doctest::Approx(0.1));
  CHECK(s.parameters[2].kind == SweepParameter::Kind::choice);
}

TEST_CASE("sweep file: mistakes name the file, line and key") {
  auto error_of = [](const std::string& text) {
    try {
      parse_sweep_text(text, "bad.yaml");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("parameters: {a: [1]}\n").find("bad.yaml:1:1: base: missing") != std::string::npos);
  CHECK(error_of("base: {}\nrepeat: 3\n").find("bad.yaml:2:1: repeat: unknown sweep key") != std::string::npos);
  CHECK(error_of("base: {}\nparameters:\n  training.optimizer.learning_rate: {uniform: [0.1, 0.01]}\ntrials: 2\n")
            .find("low must be below high") != std::string::npos);
  CHECK(error_of("base: {}\nparameters:\n  lr: {log_uniform: [0.001, 0.1]}\n")
            .find("bad.yaml:3:7: parameters.lr: a distribution needs `search: random`") != std::string::npos);
  CHECK(error_of("base: {}\nrepeats: 2\nseed: [1, 2]\n").find("not both") != std::string::npos);
  CHECK(error_of("base: {}\nseed: 4\n").find("list of run seeds") != std::string::npos);
  CHECK(error_of("base: {}\nparameters: {a: []}\n").find("parameters.a: expected a non-empty list") != std::string::npos);
  CHECK(error_of("base: missing.yaml\n").find("missing.yaml") != std::string::npos);
}

TEST_CASE("sweep file: the sweep name must be one new folder inside results_dir") {
  CHECK_THROWS_WITH_AS(parse_sweep_text("name: ..\nbase: {}\n", "s.yaml"),
                       doctest::Contains("s.yaml:1:7: name: '..' names a folder that already exists"), ConfigError);
  CHECK_THROWS_WITH_AS(parse_sweep_text("name: " + std::string(300, 'n') + "\nbase: {}\n", "s.yaml"),
                       doctest::Contains("longer than the 255 bytes"), ConfigError);
  // Without `name:`, the stem of `...yaml` would name the sweep `..`.
  CHECK_THROWS_WITH_AS(parse_sweep_text("base: {}\n", "dir/...yaml"),
                       doctest::Contains("the file name's stem is the sweep name"), ConfigError);
}
