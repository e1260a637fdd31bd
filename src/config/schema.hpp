#pragma once
// The config schema as data: one table per section, layer type, initializer, optimizer and
// schedule. Parsing validates every key against these tables (type, range, allowed values),
// docs/config.md carries them verbatim (a test compares), and `expt schema` can print them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace expt::config {

enum class ValueType {
  integer,
  number,
  boolean,
  string,
  path,
  choice,       // one of SchemaKey::choices
  size2,        // an integer, or [height, width]
  string_list,
  number_list,
  units,        // a positive integer, or the word `classes`
  initializer,  // see the initializer tables
  section,      // a map described by the table SchemaKey::section
  layer_list,   // a list of layer maps, each described by `layer` and `layer.<type>`
  any,          // free-form, not validated
};
std::string_view type_name(ValueType);

// Inclusive or exclusive bounds on a number (for size2 and number_list: on each element).
struct Range {
  std::optional<double> min, max;
  bool min_exclusive = false, max_exclusive = false;
};

inline constexpr std::string_view required_note = "required";

struct SchemaKey {
  std::string key;
  ValueType type = ValueType::string;
  std::string default_yaml;  // the default as YAML text; empty when default_note says it instead
  std::string default_note;  // `required_note`, or how the default is derived ("= size")
  std::string unit;
  std::vector<std::string> choices;
  Range range;
  std::string doc;
  std::string section;  // ValueType::section: id of the table describing the map

  bool required() const { return default_note == required_note; }
  std::string default_text() const { return default_yaml.empty() ? default_note : default_yaml; }
  std::string allowed_text() const;  // "same | valid", ">= 1", "0 <= x < 1", ...
};

struct SchemaTable {
  std::string id;     // "training", "layer.conv2d", "optimizer.adam", "initializer.uniform", ...
  std::string title;  // what the table describes; docs/config.md heads it "`<id>`: <title>"
  std::string doc;    // where the keys go and what they do, one paragraph
  std::vector<SchemaKey> keys;

  const SchemaKey* find(std::string_view key) const;
};

const std::vector<SchemaTable>& schema_tables();
const SchemaTable& schema_table(std::string_view id);  // throws std::logic_error for an unknown id

// One table as Markdown: its heading, paragraph and key table. docs/config.md holds these verbatim.
std::string schema_markdown(const SchemaTable&);

}  // namespace expt::config
