// `${dotted.path}` references between keys of one document.
#include <doctest/doctest.h>

#include "config_test_support.hpp"

using namespace expt;
using namespace expt::test;

namespace {
// The small config with `vars` and training keys that refer to other keys.
std::string with(const std::string& top_level_lines, const std::string& training_lines = "") {
  std::string yaml = edited(small_config, "seed: 7\n", "seed: 7\n" + top_level_lines);
  return training_lines.empty() ? yaml : edited(yaml, "  batch_size: 5\n", "  batch_size: 5\n" + training_lines);
}
}  // namespace

TEST_CASE("a whole value refers to another key and keeps its type") {
  const ExperimentConfig c = load_config_text(with("", "  eval_batch_size: ${training.batch_size}\n"), "test.yaml");
  CHECK(c.training.eval_batch_size == 5);
}

TEST_CASE("references inside text, to vars, lists and layers by name") {
  const std::string yaml = with(
      "vars:\n  base: /data\n  names: [a, b, c]\n  half: 0.5\nresults_dir: ${vars.base}/runs-${seed}\n",
      "  log_every_steps: ${model.layers.conv1.filters}\n");
  const ExperimentConfig c =
      load_config_text(edited(yaml, "synthetic: {", "classes: \"${vars.names}\", synthetic: {"), "test.yaml",
                       {"model.layers.dropout_1.rate=${vars.half}"});
  CHECK(c.results_dir == "/data/runs-7");
  CHECK(c.data.classes == std::vector<std::string>{"a", "b", "c"});
  CHECK(c.training.log_every_steps == 4);
  CHECK(c.layers[2].rate == 0.5);
}

TEST_CASE("references see the document after overrides") {
  const std::string yaml = with("", "  eval_batch_size: ${training.batch_size}\n");
  CHECK(load_config_text(yaml, "test.yaml", {"training.batch_size=8"}).training.eval_batch_size == 8);
}

TEST_CASE("chained references resolve, and a resolved value is still checked where it lands") {
  CHECK(load_config_text(with("vars:\n  a: ${vars.b}\n  b: ${vars.c}\n  c: 3\n", "  log_every_steps: ${vars.a}\n"),
                         "test.yaml")
            .training.log_every_steps == 3);
  const std::string yaml = edited(with("vars: {lr: -1}\n", "  epochs: ${vars.lr}\n"), "  epochs: 2\n", "");
  CHECK(load_error(yaml) ==
        "value out of range at training.epochs (" + position_of(yaml, "${vars.lr}") +
            "): expected epochs >= 1, got -1");
}

TEST_CASE("a reference cycle is an error naming the chain") {
  const std::string yaml = with("vars:\n  a: ${vars.b}\n  b: ${vars.a}\n");
  CHECK(load_error(yaml) == "reference cycle at vars.a (" + position_of(yaml, "${vars.b}") +
                                "): vars.a -> vars.b -> vars.a");
  CHECK(load_error(with("vars:\n  a: {b: \"${vars.a}\"}\n")).starts_with("reference cycle at vars.a"));
}

TEST_CASE("a missing reference target names the nearest key") {
  const std::string yaml = with("", "  eval_batch_size: ${training.batch_sise}\n");
  CHECK(load_error(yaml) == "unknown reference ${training.batch_sise} at training.eval_batch_size (" +
                                position_of(yaml, "${training.batch_sise}") +
                                "): training has no key 'batch_sise'; did you mean 'batch_size'?");
  CHECK(load_error(with("results_dir: ${vars}/x\n")).find("the document has no key 'vars'") != std::string::npos);
  CHECK(load_error(with("results_dir: ${seed\n")).starts_with("unclosed reference at results_dir"));
  CHECK(load_error(with("results_dir: a${data}b\n")).find("the target is not a single value") != std::string::npos);
}
