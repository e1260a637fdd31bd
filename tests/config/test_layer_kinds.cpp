// Every registered layer kind through the whole config path: the parser reads each key of its
// schema table, the resolved YAML writes it back and reads back the same, a key left out gets the
// schema's default, and a required key left out is an error.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/schema.hpp"
#include "config_test_support.hpp"
#include "layers/layer_registry.hpp"
#include "yaml_compare.hpp"

using namespace expt;
using namespace expt::test;

namespace {

// A value for `row` that differs from its default, as YAML text. Sizes also differ from the
// sizes already chosen, so that a key taking another's value when absent is told apart.
std::string other_value(const SchemaKey& row, std::set<std::string>& sizes) {
  const YAML::Node fallback = YAML::Load(row.default_yaml.empty() ? "~" : row.default_yaml);
  const auto first_other = [&](const std::vector<std::string>& candidates) {
    for (const auto& c : candidates)
      if (!same_yaml(YAML::Load(c), fallback) && (row.type != ValueType::size2 || sizes.insert(c).second)) return c;
    FAIL("no value other than the default for " << row.key);
    return std::string();
  };
  switch (row.type) {
    case ValueType::integer: return first_other({"3", "4"});
    case ValueType::number: return first_other({"0.25", "0.5"});
    case ValueType::boolean: return first_other({"true", "false"});
    case ValueType::choice: return first_other(row.choices);
    case ValueType::size2: return first_other({"[2, 1]", "[1, 2]", "[3, 1]"});
    case ValueType::units: return "5";
    case ValueType::string_list: return first_other({"[input, input]"});  // an add's inputs
    case ValueType::section:
      REQUIRE_MESSAGE(row.section == "init", "this test has no value for a `" << row.section << "` section");
      return "{weights: he_normal, bias: 0.5}";
    default: FAIL("this test has no value for a key of type " << type_name(row.type)); return "";
  }
}

// A network of the kind under test and the logits, with `keys` given.
std::string config_with(const LayerDescriptor& d, const std::map<std::string, std::string>& keys) {
  std::string layer = "{type: " + d.type + ", name: probe";
  for (const auto& [key, value] : keys) layer += ", " + key + ": " + value;
  return "data: {dataset: synthetic, image_size: 8, synthetic: {classes: 3, train: 30, test: 10}}\n"
         "model:\n  layers:\n    - " + layer + "}\n    - {type: dense, name: logits, units: classes}\n";
}

YAML::Node resolved_layer(const ExperimentConfig& c) { return YAML::Load(c.resolved_yaml)["model"]["layers"][0]; }

}  // namespace

TEST_CASE("every key of every layer kind is read, written back and read again") {
  for (const LayerDescriptor* d : layer_descriptors()) {
    CAPTURE(d->type);
    const SchemaTable& table = config::schema_table("layer." + d->type);
    std::set<std::string> sizes;
    std::map<std::string, std::string> values;
    for (const auto& row : table.keys) values[row.key] = other_value(row, sizes);
    const std::string yaml = config_with(*d, values);
    CAPTURE(yaml);
    const ExperimentConfig first = load_config_text(yaml, "test.yaml");
    const YAML::Node layer = resolved_layer(first);
    std::set<std::string> written;
    for (const auto& kv : layer) written.insert(kv.first.Scalar());
    std::set<std::string> expected{"type", "name"};
    for (const auto& row : table.keys) expected.insert(row.key);
    CHECK(written == expected);
    // Not a structured binding: doctest's CAPTURE and CHECK_MESSAGE capture in lambdas, which
    // clang 14 (the sanitizer build) does not allow for bindings.
    for (const auto& entry : values) {
      const std::string& key = entry.first;
      CAPTURE(key);
      CHECK_MESSAGE(same_yaml(layer[key], YAML::Load(entry.second)), "written back as " << YAML::Dump(layer[key]));
    }
    CHECK(load_config_text(first.resolved_yaml, "resolved.yaml").resolved_yaml == first.resolved_yaml);
  }
}

TEST_CASE("every layer key left out gets the schema's default, and a required one is an error") {
  for (const LayerDescriptor* d : layer_descriptors()) {
    CAPTURE(d->type);
    const SchemaTable& table = config::schema_table("layer." + d->type);
    std::set<std::string> sizes;
    std::map<std::string, std::string> required;
    for (const auto& row : table.keys)
      if (row.required()) required[row.key] = other_value(row, sizes);
    const YAML::Node layer = resolved_layer(load_config_text(config_with(*d, required), "test.yaml"));
    for (const auto& row : table.keys) {
      CAPTURE(row.key);
      if (!row.default_yaml.empty()) CHECK(same_yaml(layer[row.key], YAML::Load(row.default_yaml)));
      if (const LayerKey* key = d->find(row.key); key && !key->defaults_to.empty())
        CHECK(same_yaml(layer[row.key], layer[key->defaults_to]));
    }
    for (const auto& entry : required) {  // not a binding: CAPTURE captures it in a lambda
      const std::string& key = entry.first;
      CAPTURE(key);
      std::map<std::string, std::string> missing = required;
      missing.erase(key);
      CHECK(load_error(config_with(*d, missing)).starts_with("missing key '" + key + "' at model.layers[0]"));
    }
  }
}
