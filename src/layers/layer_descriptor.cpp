#include "layers/layer_descriptor.hpp"

namespace expt {

LayerSpec LayerDescriptor::default_spec() const {
  LayerSpec spec = defaults;
  spec.kind = kind;
  return spec;
}

const LayerKey* LayerDescriptor::find(std::string_view key) const {
  for (const auto& k : keys)
    if (k.row.key == key) return &k;
  return nullptr;
}

std::vector<SchemaKey> LayerDescriptor::schema_rows() const {
  std::vector<SchemaKey> rows;
  for (const auto& k : keys) {
    SchemaKey row = k.row;
    if (row.default_note.empty()) row.default_yaml = default_text(k.field, defaults);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace expt
