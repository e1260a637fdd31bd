// Input written to hurt: values that would escape the results folder, integers in other bases,
// names longer than a file system takes, alias and reference bombs, megabyte values. Each is a
// ConfigError naming the key and where it is, found at load time, in bounded time and memory.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "config/shapes_only.hpp"
#include "config_test_support.hpp"

using namespace expt;
using namespace expt::test;

namespace {

// The error loading `bomb` followed by the small config. Bombs must be refused long before
// they would take the machine: within a few seconds even in a sanitizer build.
std::string refused_quickly(const std::string& bomb) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string message = load_error(bomb + small_config);
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 5);
  return message;
}

// A YAML alias bomb inside `vars:`: each level lists the previous one nine times (9^9 values).
std::string alias_bomb() {
  std::string yaml = "vars:\n  l0: &l0 [x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    yaml += "  l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) yaml += (k ? ", *l" : "*l") + std::to_string(i - 1);
    yaml += "]\n";
  }
  return yaml;
}

// `${...}` references that double a value at each of 40 levels (2^40 bytes).
std::string reference_bomb() {
  std::string yaml = "vars:\n  r0: xxxxxxxx\n";
  for (int i = 1; i <= 40; ++i)
    yaml += "  r" + std::to_string(i) + ": ${vars.r" + std::to_string(i - 1) + "}${vars.r" + std::to_string(i - 1) + "}\n";
  return yaml;
}

}  // namespace

TEST_CASE("hexadecimal integers are read; a leading zero is refused by name") {
  const ExperimentConfig c = load_config_text(edited(small_config, "filters: 4", "filters: 0x10"), "test.yaml");
  CHECK(c.layers[0].filters == 16);
  CHECK(load_config_text(edited(small_config, "seed: 7", "seed: 0X1f"), "test.yaml").seed == 31);
  // YAML 1.1 readers take 010 for 8, YAML 1.2 readers for 10: neither guess is safe.
  const std::string yaml = edited(small_config, "filters: 4", "filters: 010");
  CHECK(load_error(yaml) == "wrong type at model.layers[0].filters (" + position_of(yaml, "010") +
                                "): expected an integer, got '010'");
  CHECK(load_error(edited(small_config, "epochs: 2", "epochs: 0x")).starts_with("wrong type at training.epochs"));
  CHECK(load_error(edited(small_config, "seed: 7", "seed: 0x10000000000000000")).starts_with("wrong type at seed"));
}

TEST_CASE("a run name must be one new folder inside results_dir") {
  std::string yaml = edited(small_config, "name: small", "name: ..");
  CHECK(load_error(yaml) == "invalid name at name (" + position_of(yaml, "..") +
                                "): '..' names a folder that already exists, not a new one");
  CHECK(load_error(edited(small_config, "name: small", "name: .")).starts_with("invalid name at name"));
  CHECK(load_error(edited(small_config, "name: small", "name: a/b")).starts_with("invalid name at name"));
  const std::string long_name(5000, 'n');
  const std::string message = load_error(edited(small_config, "name: small", "name: " + long_name));
  CHECK(message.find("longer than the 255 bytes a folder name may have") != std::string::npos);
  CHECK(message.size() < 400);  // the name itself is not repeated in full

  // Without `name:`, the file name's stem is the name: `...yaml` would be `..`.
  const std::string unnamed = edited(small_config, "name: small\n", "");
  try {
    load_config_text(unnamed, "dir/...yaml");
    FAIL("a config named '..' by its file loaded");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("the file name's stem is the run name") != std::string::npos);
  }
  CHECK(load_config_text(unnamed, "dir/ok.yaml").name == "ok");
}

TEST_CASE("a path component longer than a file name may be is refused at load, with its position") {
  const std::string component(300, 'd');
  const std::string yaml = edited(small_config, "dataset: synthetic,", "dataset: synthetic, root: /data/" + component + ",");
  const std::string message = load_error(yaml);
  CHECK(message.starts_with("invalid path at data.root (" + position_of(yaml, "/data/") + "): the path component '"));
  CHECK(message.find("(300 bytes) is longer than the 255 bytes") != std::string::npos);
  CHECK(load_error(yaml, {"results_dir=/tmp/" + component}).starts_with("invalid path at"));
}

TEST_CASE("a YAML alias bomb is refused quickly, naming where") {
  const std::string message = refused_quickly(alias_bomb());
  CHECK(message.starts_with("test.yaml:"));
  CHECK(message.find("more than 100000 values once its aliases and references are expanded") != std::string::npos);
}

TEST_CASE("a reference bomb is refused before it takes the memory, naming the key") {
  const std::string message = refused_quickly(reference_bomb());
  CHECK(message.starts_with("references expand too far at vars.r"));
  CHECK(message.find("(test.yaml:") != std::string::npos);
}

TEST_CASE("whole-value references that double a list each level are bounded too") {
  std::string yaml = "vars:\n  l0: [x, x]\n";
  for (int i = 1; i <= 30; ++i)
    yaml += "  l" + std::to_string(i) + ": ['${vars.l" + std::to_string(i - 1) + "}', '${vars.l" + std::to_string(i - 1) + "}']\n";
  CHECK(refused_quickly(yaml).find("vars.l") != std::string::npos);
}

TEST_CASE("errors quote a bounded prefix of a huge value") {
  const std::string huge(1 << 20, 'z');
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"epochs: 2", "epochs: " + huge},                // wrong type
           {"type: adam", "type: " + huge},                 // invalid value
           {"name: small", "name: small-" + huge},          // invalid name
       }) {
    const std::string message = load_error(edited(small_config, from, to));
    CHECK_MESSAGE(message.size() < 1000, message.substr(0, 200));
    CHECK_MESSAGE(message.find("(1048") != std::string::npos, message);  // says how long the value is
  }
  // YAML takes plain keys up to 1024 characters.
  const std::string key = load_error(edited(small_config, "epochs: 2", "epochs: 2\n  " + std::string(1000, 'k') + ": 1"));
  CHECK(key.starts_with("unknown key 'kkkk"));
  CHECK(key.find("...' (1000 bytes) at training") != std::string::npos);
  CHECK(load_error(small_config, {"training.epochs=" + huge}).size() < 1000);
  CHECK(load_error(small_config, {"vars.x=${" + huge}).size() < 1000);
}

TEST_CASE("a reference index beyond any number is a missing key, not a crash") {
  const std::string yaml = edited(small_config, "epochs: 2", "epochs: ${model.layers.99999999999999999999999.filters}");
  CHECK(load_error(yaml).starts_with("unknown reference ${model.layers.99999999999999999999999.filters}"));
}

TEST_CASE("the resolved YAML writes numbers that YAML 1.1 readers also take for numbers") {
  const ExperimentConfig c = load_config_text(small_config, "test.yaml", {"training.optimizer.weight_decay=1e-20"});
  CHECK(c.resolved_yaml.find("epsilon: 1.0e-08") != std::string::npos);
  CHECK(c.resolved_yaml.find("weight_decay: 1.0e-20") != std::string::npos);
  const ExperimentConfig again = load_config_text(c.resolved_yaml, "test.yaml");
  CHECK(again.training.optimizer.epsilon == 1e-8);
  CHECK(again.training.optimizer.weight_decay == 1e-20);
}

TEST_CASE("validate without the data set and without data.classes is a data error, not an internal one") {
  const auto dir = std::filesystem::temp_directory_path() / "expt-config-test-shapes";
  std::filesystem::create_directories(dir);
  const auto file = dir / "absent.yaml";
  std::ofstream(file) << "model:\n  layers:\n    - {type: dense, units: classes}\n"
                         "data: {dataset: image_folder, root: /nonexistent/expt-test}\n";
  CHECK_THROWS_AS(load_config_for_shapes(file, {}), DataError);
  std::ofstream(file) << "model:\n  layers:\n    - {type: dense, units: classes}\n";  // no data section at all
  CHECK_THROWS_AS(load_config_for_shapes(file, {}), DataError);
  std::filesystem::remove_all(dir);
}
