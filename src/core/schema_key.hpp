#pragma once
// The vocabulary of the config schema: how one key is described as data (type, default, unit,
// allowed values, meaning) and a table of such keys. It sits in core because layer descriptors
// (src/layers) state their own keys in it, below the config code that reads and prints them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace expt {

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
Range at_least(double min);                // x >= min
Range above(double min);                   // x > min
Range fraction();                          // 0 <= x < 1
Range unit_interval_above_zero();          // 0 < x <= 1
Range unit_interval();                     // 0 <= x <= 1

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

// `k` without a default: the config must give it.
SchemaKey required(SchemaKey k);
// `k` whose default is derived, as `note` says ("= size", "file stem").
SchemaKey derived(SchemaKey k, std::string note);

struct SchemaTable {
  std::string id;     // "training", "layer.conv2d", "optimizer.adam", "initializer.uniform", ...
  std::string title;  // what the table describes; docs/config.md heads it "`<id>`: <title>"
  std::string doc;    // where the keys go and what they do, one paragraph
  std::vector<SchemaKey> keys;

  const SchemaKey* find(std::string_view key) const;
};

}  // namespace expt
