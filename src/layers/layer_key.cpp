#include "layers/layer_key.hpp"

#include <fmt/format.h>

#include "core/number_text.hpp"
#include "core/overloaded.hpp"

namespace expt {

namespace {

LayerKey key_of(std::string key, ValueType type, LayerField field, Range range, std::string unit, std::string doc) {
  SchemaKey row;
  row.key = std::move(key);
  row.type = type;
  row.unit = std::move(unit);
  row.range = range;
  row.doc = std::move(doc);
  return {std::move(row), field, {}};
}

}  // namespace

LayerKey integer_key(std::string key, int64_t LayerSpec::*field, Range range, std::string unit, std::string doc) {
  return key_of(std::move(key), ValueType::integer, field, range, std::move(unit), std::move(doc));
}
LayerKey number_key(std::string key, double LayerSpec::*field, Range range, std::string unit, std::string doc) {
  return key_of(std::move(key), ValueType::number, field, range, std::move(unit), std::move(doc));
}
LayerKey bool_key(std::string key, bool LayerSpec::*field, std::string doc) {
  return key_of(std::move(key), ValueType::boolean, field, {}, "", std::move(doc));
}
LayerKey size2_key(std::string key, Size2Field field, Range range, std::string unit, std::string doc) {
  return key_of(std::move(key), ValueType::size2, field, range, std::move(unit), std::move(doc));
}
LayerKey units_key(std::string key, int64_t LayerSpec::*field, std::string doc) {
  return key_of(std::move(key), ValueType::units, field, {}, "", std::move(doc));
}
LayerKey layer_names_key(std::string key, std::vector<std::string> LayerSpec::*field, std::string doc) {
  return key_of(std::move(key), ValueType::string_list, field, {}, "", std::move(doc));
}
LayerKey init_key(std::string doc) {
  LayerKey k = key_of("init", ValueType::section, InitFields{}, {}, "", std::move(doc));
  k.row.section = "init";
  return k;
}

LayerKey required(LayerKey k) {
  k.row = required(std::move(k.row));
  return k;
}

LayerKey defaults_to(LayerKey k, std::string other) {
  k.row = derived(std::move(k.row), fmt::format("= {}", other));
  k.defaults_to = std::move(other);
  return k;
}

LayerKey defaults_by(LayerKey k, std::string note, void (*rule)(LayerSpec&)) {
  k.row = derived(std::move(k.row), std::move(note));
  k.default_rule = rule;
  return k;
}

std::string default_text(const LayerField& field, const LayerSpec& d) {
  return std::visit(overloaded{
                        [&](int64_t LayerSpec::*f) { return std::to_string(d.*f); },
                        [&](double LayerSpec::*f) { return number_text(d.*f); },
                        [&](bool LayerSpec::*f) { return std::string(d.*f ? "true" : "false"); },
                        [&](const Size2Field& f) {
                          return d.*f.h == d.*f.w ? std::to_string(d.*f.h) : fmt::format("[{}, {}]", d.*f.h, d.*f.w);
                        },
                        [&]<class E>(const EnumField<E>& f) { return std::string(name_of(f.names, d.*f.member)); },
                        [](InitFields) { return std::string(); },
                        [&](std::vector<std::string> LayerSpec::*f) { return fmt::format("[{}]", fmt::join(d.*f, ", ")); },
                    },
                    field);
}

}  // namespace expt
