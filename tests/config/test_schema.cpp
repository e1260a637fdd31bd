// The schema tables: consistent with each other and carried verbatim by docs/config.md.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "config/enum_names.hpp"
#include "config/nearest.hpp"
#include "config/schema.hpp"
#include "layers/layer_registry.hpp"

using namespace expt;
using namespace expt::config;

TEST_CASE("docs/config.md holds every schema table verbatim") {
  // Written every time, so an outdated doc can be fixed by copying from it.
  const std::string generated_path = EXPT_BINARY_DIR "/config_schema.md";
  std::ofstream generated(generated_path);
  for (const auto& table : schema_tables()) generated << schema_markdown(table) << "\n";
  std::ifstream in(EXPT_SOURCE_DIR "/docs/config.md");
  REQUIRE_MESSAGE(in, "docs/config.md is missing");
  std::stringstream docs;
  docs << in.rdbuf();
  for (const auto& table : schema_tables()) {
    CAPTURE(table.id);
    CHECK_MESSAGE(docs.str().find(schema_markdown(table)) != std::string::npos,
                  "docs/config.md lacks the current table; copy it from " << generated_path);
    for (const auto& key : table.keys)
      CHECK_MESSAGE(docs.str().find("| `" + key.key + "` |") != std::string::npos, "undocumented key " << key.key);
  }
}

TEST_CASE("every section, layer type, initializer, optimizer and schedule has a table") {
  for (const auto& table : schema_tables())
    for (const auto& key : table.keys)
      if (key.type == ValueType::section) CHECK_NOTHROW(schema_table(key.section));
  for (const auto* d : layer_descriptors()) CHECK_NOTHROW(schema_table("layer." + d->type));
  for (const auto& n : init_kind_names) CHECK_NOTHROW(schema_table("initializer." + std::string(n.name)));
  for (const auto& n : optimizer_kind_names) CHECK_NOTHROW(schema_table("optimizer." + std::string(n.name)));
  for (const auto& n : schedule_kind_names) CHECK_NOTHROW(schema_table("schedule." + std::string(n.name)));
  CHECK_THROWS_AS(schema_table("no.such.table"), std::logic_error);
}

TEST_CASE("a key's allowed values read as the docs and messages show them") {
  CHECK(schema_table("layer.dropout").find("rate")->allowed_text() == "0 <= rate < 1");
  CHECK(schema_table("training").find("epochs")->allowed_text() == "epochs >= 1");
  CHECK(schema_table("optimizer").find("learning_rate")->allowed_text() == "learning_rate > 0");
  CHECK(schema_table("layer.conv2d").find("padding")->allowed_text() == "same | valid");
  CHECK(schema_table("layer.conv2d").find("filters")->required());
}

TEST_CASE("suggestions: near misses get 'did you mean', others the list") {
  const std::vector<std::string> keys{"epochs", "batch_size", "learning_rate"};
  CHECK(suggestion("learnign_rate", keys) == "; did you mean 'learning_rate'?");
  CHECK(suggestion("epoch", keys) == "; did you mean 'epochs'?");
  CHECK(suggestion("zzz", keys) == "; expected one of: epochs, batch_size, learning_rate");
  CHECK(suggestion("x", {}) == "");
}
