#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "config/map_reader.hpp"
#include "config/nearest.hpp"
#include "config/parse.hpp"
#include "core/overloaded.hpp"
#include "core/quote.hpp"
#include "layers/layer_registry.hpp"

namespace expt::config {

namespace {

// Names appear in override paths and parameter names ("<name>.weight"): no dots, and not
// all digits, which would read as a list index.
bool valid_layer_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

void read_init(const MapReader& r, LayerSpec& layer) {
  if (!r.has("init")) return;
  const MapReader init(r.doc(), r.get("init"), r.path("init"), {&schema_table("init")});
  if (init.has("weights")) layer.weight_init = parse_initializer(r.doc(), init.get("weights"), init.path("weights"));
  if (init.has("bias")) layer.bias_init = parse_initializer(r.doc(), init.get("bias"), init.path("bias"));
}

// Reads one of the kind's keys into its field; the MapReader has checked the value already. A
// key that `defaults_to` another takes that one's value when absent, one with a `default_rule`
// the value its rule sets.
void read_layer_key(const MapReader& r, const LayerKey& key, LayerSpec& layer, bool& units_from_classes) {
  if (!r.has(key.row.key) && key.default_rule) return key.default_rule(layer);
  const std::string_view from = !r.has(key.row.key) && !key.defaults_to.empty() ? key.defaults_to : key.row.key;
  std::visit(overloaded{
                 [&](int64_t LayerSpec::*f) {
                   if (key.row.type == ValueType::units && r.has(from) && r.get(from).Scalar() == "classes")
                     units_from_classes = true;  // resolved after the data probe
                   else
                     r.read(from, layer.*f);
                 },
                 [&](double LayerSpec::*f) { r.read(from, layer.*f); },
                 [&](bool LayerSpec::*f) { r.read(from, layer.*f); },
                 [&](const Size2Field& f) { r.read_size2(from, layer.*f.h, layer.*f.w); },
                 [&]<class E>(const EnumField<E>& f) { r.read(from, layer.*f.member, f.names); },
                 [&](InitFields) { read_init(r, layer); },
                 [&](std::vector<std::string> LayerSpec::*f) { r.read(from, layer.*f); },
             },
             key.field);
}

// Checks each layer's `input` and each add's `inputs` against the names of all layers, so a
// layer named there that comes later, or the layer itself, is told apart from a misspelling.
void check_input_names(const ConfigDocument& doc, const YAML::Node& list, const std::string& path,
                       const std::vector<LayerSpec>& layers, const std::map<std::string, size_t>& index_of_name) {
  std::vector<std::string> names{network_input_name};
  for (const auto& l : layers) names.push_back(l.name);
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string entry_path = fmt::format("{}[{}]", path, i);
    const auto check = [&](const YAML::Node& node, const std::string& key_path, const std::string& name) {
      if (name == network_input_name) return;
      const auto it = index_of_name.find(name);
      if (it == index_of_name.end())
        fail_at(doc, node, key_path, "unknown layer",
                fmt::format("no layer is named {} (`{}` is the network's input){}", quote_value(name),
                            network_input_name, suggestion(name, names)));
      if (it->second == i)
        fail_at(doc, node, key_path, "layer reads itself",
                fmt::format("{} is this layer; a layer reads earlier layers only, so the model has no cycle",
                            quote_value(name)));
      if (it->second > i)
        fail_at(doc, node, key_path, "layer reads a later layer",
                fmt::format("{} is {}[{}], after this layer; a layer reads earlier layers only, so the model has no "
                            "cycle",
                            quote_value(name), path, it->second));
    };
    const YAML::Node entry = list[i];
    if (const YAML::Node input = entry["input"]; input.IsDefined()) {
      if (layers[i].kind == LayerKind::add)
        fail_at(doc, input, entry_path + ".input", "input on an add",
                "an add reads the layers listed in `inputs`; move this name there");
      check(input, entry_path + ".input", layers[i].input);
    }
    if (layers[i].kind != LayerKind::add) continue;
    const YAML::Node inputs = entry["inputs"];
    if (layers[i].inputs.size() < 2)
      fail_at(doc, inputs, entry_path + ".inputs", "too few inputs",
              fmt::format("an add sums two or more layers, got {}", layers[i].inputs.size()));
    for (size_t k = 0; k < layers[i].inputs.size(); ++k)
      check(inputs[k], fmt::format("{}.inputs[{}]", entry_path, k), layers[i].inputs[k]);
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

    const LayerDescriptor& kind = *find_layer_descriptor(type);  // read_type checked the name
    LayerSpec layer = kind.default_spec();
    layer.name = default_layer_name(type, ++per_type[type]);
    r.read("name", layer.name);
    r.read("input", layer.input);
    if (layer.name == network_input_name)
      r.fail("name", "reserved layer name",
             fmt::format("{} names the network's input in `input` and `inputs`; choose another name",
                         quote_value(layer.name)));
    if (!valid_layer_name(layer.name))
      r.fail("name", "invalid layer name",
             fmt::format("{}: use letters, digits, '_' and '-', not starting with a digit", quote_value(layer.name)));
    if (auto [it, fresh] = index_of_name.emplace(layer.name, i); !fresh)
      r.fail("name", "duplicate layer name",
             fmt::format("{} is also the name of {}[{}] ({}); names must be unique (give one an explicit `name`)",
                         quote_value(layer.name), path, it->second, sources.locations[it->second]));

    r.read("trainable", layer.trainable);
    r.read("lr_multiplier", layer.lr_multiplier);
    bool units_from_classes = false;
    for (const auto& key : kind.keys) read_layer_key(r, key, layer, units_from_classes);
    if (units_from_classes) sources.units_from_classes.push_back(i);
    sources.locations.push_back(doc.locate(entry));
    layers.push_back(std::move(layer));
  }
  check_input_names(doc, list, path, layers, index_of_name);
  return layers;
}

}  // namespace expt::config
