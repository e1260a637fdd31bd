#pragma once
// Everything about a layer kind that is not a kernel, in one place: its config keys with their
// schema rows and defaults, its shape rule (output shape, padding, parameters, FLOPs) and the
// operation TensorBoard's graph draws for it. The schema, the config parser, the resolved YAML,
// the network plan and the graph are all driven from these; backends keep their own kernels.
// The descriptors are in layers/kinds/ and listed in layers/layer_registry.cpp.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "layers/layer_key.hpp"
#include "layers/layer_spec.hpp"

namespace expt {

class LayerPlanner;

struct GraphAttr {
  std::string name;
  std::variant<std::vector<int64_t>, std::string, float> value;
};

// The layer's operation in TensorBoard's graph. It reads the layer's input and, when the layer
// has parameters, its weight; the graph adds BiasAdd and a fused Relu after it.
struct GraphOp {
  std::string name;  // node name within the layer's scope
  std::string type;  // TensorFlow op type, which picks the node's icon
  std::vector<GraphAttr> attrs;
};

struct LayerDescriptor {
  LayerKind kind;
  std::string type;             // `type:` in the config; names its schema table "layer.<type>"
  std::string summary;          // what the layer computes: the schema table's paragraph
  LayerSpec defaults;           // every key at its documented default
  std::vector<LayerKey> keys;   // besides `type` and `name`, in the order the schema and YAML list them
  void (*plan)(LayerPlanner&);  // shape rule: output shape, padding, parameters, FLOPs
  GraphOp (*graph_op)(const LayerSpec&);
  Activation activation = Activation::none;  // the function an activation layer (relu, gelu, ...) applies

  LayerSpec default_spec() const;  // `defaults` of this kind
  const LayerKey* find(std::string_view key) const;
  std::vector<SchemaKey> schema_rows() const;  // the keys' rows, defaults filled in from `defaults`
};

}  // namespace expt
