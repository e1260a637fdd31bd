#pragma once
// A layer kind's config keys: each key's schema row and the LayerSpec field its value lives in.
// The config code reads and writes YAML through these bindings; nothing here knows YAML.
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/enum_names.hpp"
#include "core/schema_key.hpp"
#include "layers/layer_spec.hpp"

namespace expt {

// An integer, or [height, width], held in two fields.
struct Size2Field {
  int64_t LayerSpec::*h;
  int64_t LayerSpec::*w;
};
// One of the names in `names`.
template <class E>
struct EnumField {
  E LayerSpec::*member;
  std::span<const EnumName<E>> names;
};
// `init: {weights, bias}`: weight_init and bias_init, each an initializer.
struct InitFields {};

using LayerField = std::variant<int64_t LayerSpec::*, double LayerSpec::*, bool LayerSpec::*, Size2Field,
                                EnumField<Padding>, EnumField<Activation>, InitFields,
                                std::vector<std::string> LayerSpec::*>;

struct LayerKey {
  SchemaKey row;            // type, range, unit, doc; the default is read from the kind's default spec
  LayerField field;
  std::string defaults_to;  // when absent, the key takes this other key's value (a pool's stride: "size")
  void (*default_rule)(LayerSpec&) = nullptr;  // when absent, sets the field from the keys read before it
};

LayerKey integer_key(std::string key, int64_t LayerSpec::*field, Range range, std::string unit, std::string doc);
LayerKey number_key(std::string key, double LayerSpec::*field, Range range, std::string unit, std::string doc);
LayerKey bool_key(std::string key, bool LayerSpec::*field, std::string doc);
LayerKey size2_key(std::string key, Size2Field field, Range range, std::string unit, std::string doc);
// A positive integer, or `classes`: the data set's class count, known only after the data probe.
LayerKey units_key(std::string key, int64_t LayerSpec::*field, std::string doc);
// A list of layer names (an add's inputs).
LayerKey layer_names_key(std::string key, std::vector<std::string> LayerSpec::*field, std::string doc);
// The `init` section, described by the config's `init` table.
LayerKey init_key(std::string doc);

template <class E>
LayerKey choice_key(std::string key, EnumField<E> field, std::string doc) {
  SchemaKey row;
  row.key = std::move(key);
  row.type = ValueType::choice;
  row.choices = all_names(field.names);
  row.doc = std::move(doc);
  return {std::move(row), field, {}};
}

// `k` without a default: the config must give it.
LayerKey required(LayerKey k);
// `k`, taking the value of `other` when absent; its schema default reads "= <other>".
LayerKey defaults_to(LayerKey k, std::string other);

// `k`, set by `rule` when absent; its schema default reads `note`.
LayerKey defaults_by(LayerKey k, std::string note, void (*rule)(LayerSpec&));

// The default a key shows in the schema: the value `defaults` holds, as YAML text ("" for a section).
std::string default_text(const LayerField& field, const LayerSpec& defaults);

}  // namespace expt
