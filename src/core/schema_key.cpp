#include "core/schema_key.hpp"

#include <fmt/format.h>

#include "core/number_text.hpp"

namespace expt {

std::string_view type_name(ValueType t) {
  switch (t) {
    case ValueType::integer: return "integer";
    case ValueType::number: return "number";
    case ValueType::boolean: return "bool";
    case ValueType::string: return "string";
    case ValueType::path: return "path";
    case ValueType::choice: return "string";
    case ValueType::size2: return "integer or [h, w]";
    case ValueType::string_list: return "list of strings";
    case ValueType::number_list: return "list of numbers";
    case ValueType::units: return "integer or `classes`";
    case ValueType::initializer: return "initializer";
    case ValueType::section: return "map";
    case ValueType::layer_list: return "list of layers";
    case ValueType::any: return "map";
  }
  return "?";
}

Range at_least(double min) {
  Range r;
  r.min = min;
  return r;
}
Range above(double min) {
  Range r = at_least(min);
  r.min_exclusive = true;
  return r;
}
Range fraction() {
  Range r = at_least(0);
  r.max = 1;
  r.max_exclusive = true;
  return r;
}
Range unit_interval_above_zero() {
  Range r = above(0);
  r.max = 1;
  return r;
}
Range unit_interval() {
  Range r = at_least(0);
  r.max = 1;
  return r;
}

std::string SchemaKey::allowed_text() const {
  if (!choices.empty()) return fmt::format("{}", fmt::join(choices, " | "));
  const std::string x = type == ValueType::size2 || type == ValueType::number_list ? "each" : key;
  const auto bound = [](double v) { return number_text(v); };
  if (range.min && range.max)
    return fmt::format("{} {} {} {} {}", bound(*range.min), range.min_exclusive ? "<" : "<=", x,
                       range.max_exclusive ? "<" : "<=", bound(*range.max));
  if (range.min) return fmt::format("{} {} {}", x, range.min_exclusive ? ">" : ">=", bound(*range.min));
  if (range.max) return fmt::format("{} {} {}", x, range.max_exclusive ? "<" : "<=", bound(*range.max));
  return "";
}

SchemaKey required(SchemaKey k) {
  k.default_yaml.clear();
  k.default_note = std::string(required_note);
  return k;
}

SchemaKey derived(SchemaKey k, std::string note) {
  k.default_yaml.clear();
  k.default_note = std::move(note);
  return k;
}

const SchemaKey* SchemaTable::find(std::string_view name) const {
  for (const auto& k : keys)
    if (k.key == name) return &k;
  return nullptr;
}

}  // namespace expt
