// Every registered layer kind has a complete descriptor: the schema, the parser, the resolved
// YAML, the plan and the graph all read it, so a gap here is a gap everywhere.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "layers/layer_planner.hpp"
#include "layers/layer_registry.hpp"

using namespace expt;

TEST_CASE("the registry lists each layer kind once, in LayerKind's order, by its type name") {
  const auto& all = layer_descriptors();
  REQUIRE_FALSE(all.empty());
  std::set<std::string> types;
  for (size_t i = 0; i < all.size(); ++i) {
    const LayerDescriptor& d = *all[i];
    CAPTURE(d.type);
    CHECK(d.kind == static_cast<LayerKind>(i));
    CHECK(&layer_descriptor(d.kind) == &d);
    CHECK(find_layer_descriptor(d.type) == &d);
    CHECK(to_string(d.kind) == d.type);
    CHECK(types.insert(d.type).second);
  }
  CHECK(find_layer_descriptor("no_such_layer") == nullptr);
}

TEST_CASE("every descriptor is complete") {
  for (const LayerDescriptor* d : layer_descriptors()) {
    CAPTURE(d->type);
    CHECK_FALSE(d->type.empty());
    CHECK_FALSE(d->summary.empty());
    REQUIRE((d->plan != nullptr));
    REQUIRE((d->graph_op != nullptr));
    const GraphOp op = d->graph_op(d->default_spec());
    CHECK_FALSE(op.name.empty());
    CHECK_FALSE(op.type.empty());
    CHECK(d->default_spec().kind == d->kind);

    std::set<std::string> keys{"type", "name"};  // every layer's keys, from the common table
    for (const SchemaKey& row : d->schema_rows()) {
      CAPTURE(row.key);
      CHECK_MESSAGE(keys.insert(row.key).second, "the key is listed twice or shadows `type` or `name`");
      CHECK_FALSE(row.doc.empty());
      // A reader of the schema learns the default: a value, `required`, or how it is derived.
      CHECK((!row.default_text().empty() || row.type == ValueType::section));
      if (row.type == ValueType::section) CHECK_FALSE(row.section.empty());
      if (row.type == ValueType::choice) CHECK_FALSE(row.choices.empty());
    }
    for (const LayerKey& key : d->keys)
      if (!key.defaults_to.empty())
        CHECK_MESSAGE(d->find(key.defaults_to), key.row.key << " defaults to a missing key");
  }
}

TEST_CASE("every kind plans from its defaults, and its shape rule fills the output") {
  for (const LayerDescriptor* d : layer_descriptors()) {
    CAPTURE(d->type);
    LayerSpec spec = d->default_spec();
    spec.name = std::string("x");
    // The required keys have no default; give them small valid values.
    if (spec.filters == 0) spec.filters = 2;
    if (spec.kernel_h == 0) spec.kernel_h = spec.kernel_w = 3;
    if (spec.units == 0) spec.units = 5;
    NetworkPlan plan;
    plan.input = Shape{3, 8, 8};
    PlannedLayer layer;
    layer.spec = spec;
    layer.in = plan.input;
    // The network input, twice for an add (plan_network resolves and checks the inputs).
    layer.inputs.assign(d->kind == LayerKind::add ? 2 : 1, network_input);
    LayerPlanner planner(plan, layer, 0);
    d->plan(planner);
    CHECK(layer.out.size() > 0);
    CHECK(layer.forward_flops >= 0);
    for (const int p : layer.params) CHECK(plan.params[static_cast<size_t>(p)].name.starts_with("x."));
  }
}
