#pragma once
// Reads one YAML map against schema tables. The constructor checks everything the tables say
// (unknown keys with "did you mean", duplicates, required keys, each value's type, range and
// allowed values), so the read functions only convert. Errors read
// "<problem> at <key.path> (<file>:<line>:<col>): <what was expected>".
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/document.hpp"
#include "config/schema.hpp"
#include "core/enum_names.hpp"

namespace expt::config {

std::string join_path(const std::string& parent, std::string_view key);

class MapReader {
 public:
  // `map` may be undefined or null (an absent or empty section): every key then has its default.
  MapReader(const ConfigDocument& doc, YAML::Node map, std::string path, std::vector<const SchemaTable*> tables);

  bool has(std::string_view key) const { return get(key).IsDefined(); }
  YAML::Node get(std::string_view key) const;  // undefined when absent
  std::string path(std::string_view key) const { return join_path(path_, key); }
  const std::string& path() const { return path_; }
  const ConfigDocument& doc() const { return doc_; }
  std::string where(std::string_view key) const;  // location of the key's value, else of the map

  // Each leaves `out` as it is when the key is absent.
  void read(std::string_view key, int64_t& out) const;
  void read(std::string_view key, uint64_t& out) const;
  void read(std::string_view key, double& out) const;
  void read(std::string_view key, bool& out) const;
  void read(std::string_view key, std::string& out) const;
  void read(std::string_view key, std::filesystem::path& out) const;
  void read(std::string_view key, std::vector<std::string>& out) const;
  void read(std::string_view key, std::vector<double>& out) const;
  void read_size2(std::string_view key, int64_t& h, int64_t& w) const;
  // `names`: a range of EnumName<E>, such as padding_names.
  template <class E, class Names>
  void read(std::string_view key, E& out, const Names& names) const {
    if (!has(key)) return;
    const std::string name = get(key).Scalar();
    for (const auto& n : names)
      if (n.name == name) out = n.value;
  }

  // For checks across keys: "<problem> at <path.key> (<where>): <detail>".
  [[noreturn]] void fail(std::string_view key, std::string_view problem, const std::string& detail) const;

 private:
  const SchemaKey* spec(std::string_view key) const;

  const ConfigDocument& doc_;
  YAML::Node map_;
  std::string path_;
  std::vector<const SchemaTable*> tables_;
};

// A scalar as an integer: decimal or `0x` hexadecimal, without a leading zero (which YAML 1.1
// and 1.2 readers disagree on); nullopt for anything else, including overflow.
std::optional<int64_t> integer_value(const YAML::Node&);
// A scalar as a finite number: an integer as above, or a decimal or exponent form.
std::optional<double> number_value(const YAML::Node&);

// Checks one value against its schema key (type, range, allowed values); `path` names it.
void check_value(const ConfigDocument& doc, const SchemaKey& spec, const YAML::Node& value, const std::string& path);

// The checked `type` of a map whose other keys depend on it (layer, optimizer, schedule), as
// described by `common`'s `type` key; its default when absent, an error when it is required.
std::string read_type(const ConfigDocument& doc, const YAML::Node& map, const std::string& path,
                      const SchemaTable& common);

// A config error at a node: "<problem> at <path> (<where>): <detail>".
[[noreturn]] void fail_at(const ConfigDocument& doc, const YAML::Node& node, const std::string& path,
                          std::string_view problem, const std::string& detail);

}  // namespace expt::config
