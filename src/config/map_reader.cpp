#include "config/map_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "config/nearest.hpp"
#include "core/error.hpp"
#include "core/path_component.hpp"
#include "core/quote.hpp"

namespace expt::config {

std::string join_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

void fail_at(const ConfigDocument& doc, const YAML::Node& node, const std::string& path, std::string_view problem,
             const std::string& detail) {
  throw ConfigError(fmt::format("{} at {} ({}){}{}", problem, path.empty() ? "the top level" : path, doc.locate(node),
                                detail.empty() || detail.starts_with(";") ? "" : ": ", detail));
}

namespace {

std::string describe(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  return quote_value(n.Scalar());
}

template <class T>
bool convert(const YAML::Node& n, T& out) {
  return n.IsScalar() && YAML::convert<T>::decode(n, out);
}

// yaml-cpp reads integers with the stream's base detection, so `010` would be 8 (YAML 1.1
// readers agree, YAML 1.2 readers read 10) and `0x10` passes its checks but not as<double>().
// Decimal and `0x` hexadecimal mean the same to every reader; a leading zero does not.
std::optional<int64_t> parse_integer(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.size() > 1 && text[0] == '0') {
    return std::nullopt;
  }
  uint64_t magnitude = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (magnitude > limit) return std::nullopt;
  return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

bool in_range(double v, const Range& r) {
  if (r.min && (r.min_exclusive ? v <= *r.min : v < *r.min)) return false;
  if (r.max && (r.max_exclusive ? v >= *r.max : v > *r.max)) return false;
  return true;
}

bool is_integer(const YAML::Node& n) { return integer_value(n).has_value(); }

bool is_number(const YAML::Node& n) { return number_value(n).has_value(); }

}  // namespace

std::optional<int64_t> integer_value(const YAML::Node& n) {
  if (!n.IsScalar()) return std::nullopt;
  return parse_integer(n.Scalar());
}

std::optional<double> number_value(const YAML::Node& n) {
  if (const auto i = integer_value(n)) return static_cast<double>(*i);
  double v;
  if (!convert(n, v) || !std::isfinite(v)) return std::nullopt;
  return v;
}

void check_value(const ConfigDocument& doc, const SchemaKey& spec, const YAML::Node& value, const std::string& path) {
  const auto wrong_type = [&](std::string_view expected) {
    fail_at(doc, value, path, "wrong type", fmt::format("expected {}, got {}", expected, describe(value)));
  };
  const auto out_of_range = [&](const YAML::Node& n) {
    fail_at(doc, n, path, "value out of range",
            fmt::format("expected {}, got {}", spec.allowed_text(), bounded_value(n.Scalar())));
  };
  const auto check_range = [&](const YAML::Node& n) {
    if (!in_range(*number_value(n), spec.range)) out_of_range(n);
  };
  const auto check_choice = [&](const std::string& text) {
    if (spec.choices.empty() || std::find(spec.choices.begin(), spec.choices.end(), text) != spec.choices.end()) return;
    fail_at(doc, value, path, "invalid value",
            fmt::format("expected {}, got {}{}", spec.allowed_text(), quote_value(text), suggestion(text, spec.choices)));
  };
  switch (spec.type) {
    case ValueType::integer:
      if (!is_integer(value)) wrong_type("an integer");
      check_range(value);
      check_choice(std::to_string(*integer_value(value)));
      return;
    case ValueType::number:
      if (!is_number(value)) wrong_type("a number");
      check_range(value);
      return;
    case ValueType::boolean: {
      bool b;
      if (!convert(value, b)) wrong_type("true or false");
      return;
    }
    case ValueType::string:
    case ValueType::path:
      if (!value.IsScalar()) wrong_type(spec.type == ValueType::path ? "a path" : "a string");
      // Found now rather than as "File name too long" when the run first opens the path.
      if (const std::string problem = spec.type == ValueType::path ? path_length_problem(value.Scalar()) : "";
          !problem.empty())
        fail_at(doc, value, path, "invalid path", problem);
      return;
    case ValueType::choice:
      if (!value.IsScalar()) wrong_type(fmt::format("one of {}", spec.allowed_text()));
      check_choice(value.Scalar());
      return;
    case ValueType::size2:
      if (value.IsSequence() && value.size() == 2 && is_integer(value[0]) && is_integer(value[1])) {
        check_range(value[0]);
        check_range(value[1]);
        return;
      }
      if (!is_integer(value)) wrong_type("an integer or [height, width]");
      check_range(value);
      return;
    case ValueType::string_list:
      if (!value.IsSequence()) wrong_type("a list of strings");
      for (const auto& element : value)
        if (!element.IsScalar()) wrong_type("a list of strings");
      return;
    case ValueType::number_list:
      if (!value.IsSequence()) wrong_type("a list of numbers");
      for (const auto& element : value) {
        if (!is_number(element)) wrong_type("a list of numbers");
        check_range(element);
      }
      return;
    case ValueType::units:
      if (value.IsScalar() && value.Scalar() == "classes") return;
      if (!is_integer(value)) wrong_type("a positive integer or `classes`");
      if (*integer_value(value) < 1) out_of_range(value);
      return;
    case ValueType::section:
      if (!value.IsNull() && !value.IsMap()) wrong_type("a map");
      return;
    case ValueType::layer_list:
      if (!value.IsSequence()) wrong_type("a list of layers");
      return;
    case ValueType::initializer:  // parse_initializer checks its structure
    case ValueType::any:
      return;
  }
}

std::string read_type(const ConfigDocument& doc, const YAML::Node& map, const std::string& path,
                      const SchemaTable& common) {
  const SchemaKey& key = *common.find("type");
  const YAML::Node type = map.IsMap() ? find_child(map, "type") : YAML::Node(YAML::NodeType::Undefined);
  if (!type.IsDefined()) {
    if (key.required())
      fail_at(doc, map, path, "missing key 'type'", fmt::format("expected one of {}", key.allowed_text()));
    return key.default_yaml;
  }
  check_value(doc, key, type, join_path(path, "type"));
  return type.Scalar();
}

MapReader::MapReader(const ConfigDocument& doc, YAML::Node map, std::string path, std::vector<const SchemaTable*> tables)
    : doc_(doc), path_(std::move(path)), tables_(std::move(tables)) {
  map_.reset(map);
  if (!map_.IsDefined() || map_.IsNull()) return;
  if (!map_.IsMap()) fail_at(doc_, map_, path_, "wrong type", fmt::format("expected a map, got {}", describe(map_)));
  std::vector<std::string> seen;
  for (const auto& kv : map_) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : describe(kv.first);
    const std::string shown_key = quote_value(key);
    const SchemaKey* key_spec = spec(key);
    if (!key_spec) {
      std::vector<std::string> valid;
      for (const auto* t : tables_)
        for (const auto& k : t->keys) valid.push_back(k.key);
      fail_at(doc_, kv.first, path_, fmt::format("unknown key {}", shown_key), suggestion(key, valid));
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      fail_at(doc_, kv.first, path_, fmt::format("duplicate key {}", shown_key), "");
    seen.push_back(key);
    check_value(doc_, *key_spec, kv.second, join_path(path_, key));
  }
  for (const auto* t : tables_)
    for (const auto& k : t->keys)
      if (k.required() && !has(k.key))
        fail_at(doc_, map_, path_, fmt::format("missing key '{}'", k.key), k.doc);
}

const SchemaKey* MapReader::spec(std::string_view key) const {
  for (const auto* t : tables_)
    if (const SchemaKey* k = t->find(key)) return k;
  return nullptr;
}

YAML::Node MapReader::get(std::string_view key) const {
  if (!map_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return find_child(map_, std::string(key));
}

std::string MapReader::where(std::string_view key) const {
  const YAML::Node n = get(key);
  return doc_.locate(n.IsDefined() ? n : map_);
}

void MapReader::fail(std::string_view key, std::string_view problem, const std::string& detail) const {
  const YAML::Node n = get(key);
  fail_at(doc_, n.IsDefined() ? n : map_, path(key), problem, detail);
}

void MapReader::read(std::string_view key, int64_t& out) const {
  if (has(key)) out = *integer_value(get(key));
}
void MapReader::read(std::string_view key, uint64_t& out) const {
  if (has(key)) out = static_cast<uint64_t>(*integer_value(get(key)));  // the schema keeps it >= 0
}
void MapReader::read(std::string_view key, double& out) const {
  if (has(key)) out = *number_value(get(key));
}
void MapReader::read(std::string_view key, bool& out) const {
  if (has(key)) out = get(key).as<bool>();
}
void MapReader::read(std::string_view key, std::string& out) const {
  if (has(key)) out = get(key).Scalar();
}
void MapReader::read(std::string_view key, std::filesystem::path& out) const {
  if (has(key)) out = get(key).Scalar();
}
void MapReader::read(std::string_view key, std::vector<std::string>& out) const {
  if (!has(key)) return;
  out.clear();
  for (const auto& element : get(key)) out.push_back(element.Scalar());
}
void MapReader::read(std::string_view key, std::vector<double>& out) const {
  if (!has(key)) return;
  out.clear();
  for (const auto& element : get(key)) out.push_back(*number_value(element));
}
void MapReader::read_size2(std::string_view key, int64_t& h, int64_t& w) const {
  if (!has(key)) return;
  const YAML::Node n = get(key);
  if (n.IsSequence()) {
    h = *integer_value(n[0]);
    w = *integer_value(n[1]);
  } else {
    h = w = *integer_value(n);
  }
}

}  // namespace expt::config
