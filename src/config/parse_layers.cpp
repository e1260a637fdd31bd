#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "config/enum_names.hpp"
#include "config/map_reader.hpp"
#include "config/parse.hpp"
#include "core/quote.hpp"

namespace expt::config {

LayerSpec default_layer(LayerKind kind) {
  LayerSpec layer;
  layer.kind = kind;
  if (kind == LayerKind::max_pool || kind == LayerKind::avg_pool) {
    layer.kernel_h = layer.kernel_w = 2;
    layer.stride_h = layer.stride_w = 2;  // = size, like every framework
    layer.padding = Padding::valid;
  }
  return layer;
}

namespace {

// Names appear in override paths and parameter names ("<name>.weight"): no dots, and not
// all digits, which would read as a list index.
bool valid_layer_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

LayerKind kind_named(const std::string& name) {
  for (const auto& n : layer_kind_names)
    if (n.name == name) return n.value;
  return LayerKind::relu;  // unreachable: read_type checked the name
}

void read_layer_keys(const MapReader& r, LayerSpec& layer, bool& units_from_classes) {
  r.read("filters", layer.filters);
  r.read_size2("kernel", layer.kernel_h, layer.kernel_w);
  r.read_size2("size", layer.kernel_h, layer.kernel_w);
  if (r.has("size")) layer.stride_h = layer.kernel_h, layer.stride_w = layer.kernel_w;  // stride defaults to size
  r.read_size2("stride", layer.stride_h, layer.stride_w);
  r.read("padding", layer.padding, padding_names);
  r.read("activation", layer.activation, activation_names);
  r.read("use_bias", layer.use_bias);
  r.read("rate", layer.rate);
  units_from_classes = r.has("units") && r.get("units").Scalar() == "classes";
  if (r.has("units") && !units_from_classes) r.read("units", layer.units);
  if (r.has("init")) {
    const MapReader init(r.doc(), r.get("init"), r.path("init"), {&schema_table("init")});
    if (init.has("weights")) layer.weight_init = parse_initializer(r.doc(), init.get("weights"), init.path("weights"));
    if (init.has("bias")) layer.bias_init = parse_initializer(r.doc(), init.get("bias"), init.path("bias"));
  }
}

}  // namespace

std::vector<LayerSpec> parse_layers(const ConfigDocument& doc, const YAML::Node& list, const std::string& path,
                                    LayerSources& sources) {
  if (list.size() == 0)
    fail_at(doc, list, path, "no layers", "a model needs at least a dense layer with `units: classes`");
  const SchemaTable& common = schema_table("layer");
  std::vector<LayerSpec> layers;
  std::map<std::string, int> per_type;
  std::map<std::string, size_t> index_of_name;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const std::string entry_path = fmt::format("{}[{}]", path, i);
    if (!entry.IsMap())
      fail_at(doc, entry, entry_path, "wrong type", "expected a layer map such as {type: conv2d, filters: 32, kernel: 3}");
    const std::string type = read_type(doc, entry, entry_path, common);
    const MapReader r(doc, entry, entry_path, {&common, &schema_table("layer." + type)});

    LayerSpec layer = default_layer(kind_named(type));
    layer.name = default_layer_name(type, ++per_type[type]);
    r.read("name", layer.name);
    if (!valid_layer_name(layer.name))
      r.fail("name", "invalid layer name",
             fmt::format("{}: use letters, digits, '_' and '-', not starting with a digit", quote_value(layer.name)));
    if (auto [it, fresh] = index_of_name.emplace(layer.name, i); !fresh)
      r.fail("name", "duplicate layer name",
             fmt::format("{} is also the name of {}[{}] ({}); names must be unique (give one an explicit `name`)",
                         quote_value(layer.name), path, it->second, sources.locations[it->second]));

    bool units_from_classes = false;
    read_layer_keys(r, layer, units_from_classes);
    if (units_from_classes) sources.units_from_classes.push_back(i);
    sources.locations.push_back(doc.locate(entry));
    layers.push_back(std::move(layer));
  }
  return layers;
}

}  // namespace expt::config
