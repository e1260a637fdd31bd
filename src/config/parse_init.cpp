#include <fmt/format.h>

#include "config/enum_names.hpp"
#include "config/map_reader.hpp"
#include "config/nearest.hpp"
#include "config/parse.hpp"
#include "core/quote.hpp"

namespace expt::config {

namespace {

InitSpec::Kind kind_named(const ConfigDocument& doc, const YAML::Node& node, const std::string& name,
                          const std::string& path) {
  for (const auto& n : init_kind_names)
    if (n.name == name) return n.value;
  fail_at(doc, node, path, "unknown initializer",
          fmt::format("{}{}", quote_value(name), suggestion(name, all_names(init_kind_names))));
}

}  // namespace

InitSpec parse_initializer(const ConfigDocument& doc, const YAML::Node& node, const std::string& path) {
  InitSpec init;
  if (const auto number = number_value(node)) {
    check_value(doc, *schema_table("initializer.constant").find("value"), node, path);
    init.kind = InitSpec::Kind::constant;
    init.value = *number;
    return init;
  }
  if (node.IsScalar()) {
    init.kind = kind_named(doc, node, node.Scalar(), path);
    return init;
  }
  if (!node.IsMap() || node.size() != 1)
    fail_at(doc, node, path, "wrong type",
            "expected an initializer: a number, a kind name, or {kind: {params}} such as "
            "{truncated_normal: {stddev: 0.1}}");
  const auto kv = *node.begin();
  init.kind = kind_named(doc, kv.first, kv.first.Scalar(), path);
  const std::string kind_path = join_path(path, kv.first.Scalar());
  const SchemaTable& table = schema_table(fmt::format("initializer.{}", kv.first.Scalar()));
  if (init.kind == InitSpec::Kind::constant && kv.second.IsScalar()) {  // {constant: 0.1}
    check_value(doc, *table.find("value"), kv.second, kind_path);
    init.value = *number_value(kv.second);
    return init;
  }
  const MapReader params(doc, kv.second, kind_path, {&table});
  params.read("mean", init.mean);
  params.read("stddev", init.stddev);
  params.read("low", init.low);
  params.read("high", init.high);
  params.read("value", init.value);
  if (init.kind == InitSpec::Kind::uniform && !(init.low < init.high))
    params.fail("high", "invalid range", fmt::format("uniform needs low < high, got low {} and high {}", init.low, init.high));
  return init;
}

}  // namespace expt::config
