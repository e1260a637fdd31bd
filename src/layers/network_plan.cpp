#include "layers/network_plan.hpp"

#include <numeric>

#include <fmt/format.h>

#include "core/error.hpp"

namespace expt {

const char* to_string(LayerKind k) {
  switch (k) {
    case LayerKind::conv2d: return "conv2d";
    case LayerKind::max_pool: return "max_pool";
    case LayerKind::avg_pool: return "avg_pool";
    case LayerKind::relu: return "relu";
    case LayerKind::dropout: return "dropout";
    case LayerKind::flatten: return "flatten";
    case LayerKind::dense: return "dense";
  }
  return "?";
}
const char* to_string(Padding p) { return p == Padding::same ? "same" : "valid"; }
const char* to_string(Activation a) { return a == Activation::relu ? "relu" : "none"; }
const char* to_string(InitSpec::Kind k) {
  switch (k) {
    case InitSpec::Kind::truncated_normal: return "truncated_normal";
    case InitSpec::Kind::normal: return "normal";
    case InitSpec::Kind::uniform: return "uniform";
    case InitSpec::Kind::constant: return "constant";
    case InitSpec::Kind::glorot_uniform: return "glorot_uniform";
    case InitSpec::Kind::glorot_normal: return "glorot_normal";
    case InitSpec::Kind::he_uniform: return "he_uniform";
    case InitSpec::Kind::he_normal: return "he_normal";
  }
  return "?";
}

int64_t ParamSpec::size() const {
  return std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<>());
}

int64_t NetworkPlan::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : params) n += p.size();
  return n;
}
double NetworkPlan::forward_flops() const {
  double f = 0;
  for (const auto& l : layers) f += l.forward_flops;
  return f;
}
double NetworkPlan::train_flops() const {
  // Backward-data and backward-weights each cost about one forward for conv and dense layers;
  // the first layer needs no backward-data, which this estimate ignores.
  return 3.0 * forward_flops();
}
int64_t NetworkPlan::activation_floats() const {
  int64_t n = input.size();
  for (const auto& l : layers) n += l.out.size();
  return n;
}

namespace {

// TensorFlow's rule: out = ceil(in / stride) for same, ceil((in - k + 1) / stride) for valid;
// total padding = max((out - 1) * stride + k - in, 0), the smaller half at the top/left.
void spatial(int64_t in, int64_t k, int64_t s, Padding p, int64_t& out, int64_t& pad_lo, int64_t& pad_hi) {
  if (p == Padding::same) {
    out = (in + s - 1) / s;
    const int64_t total = std::max<int64_t>((out - 1) * s + k - in, 0);
    pad_lo = total / 2;
    pad_hi = total - pad_lo;
  } else {
    out = in >= k ? (in - k) / s + 1 : 0;
    pad_lo = pad_hi = 0;
  }
}

std::string where(const LayerSpec& s, size_t i) {
  return fmt::format("model.layers[{}] ({} '{}')", i, to_string(s.kind), s.name);
}

}  // namespace

NetworkPlan plan_network(const std::vector<LayerSpec>& layers, Shape input, int64_t classes) {
  NetworkPlan plan;
  plan.input = input;
  plan.classes = classes;
  if (layers.empty()) throw ConfigError("model.layers is empty: a model needs at least one dense layer");
  if (input.size() <= 0) throw ConfigError(fmt::format("input shape {} is empty", input.str()));

  Shape cur = input;
  for (size_t i = 0; i < layers.size(); ++i) {
    PlannedLayer pl;
    pl.spec = layers[i];
    pl.in = cur;
    const LayerSpec& s = pl.spec;
    auto add_param = [&](const std::string& suffix, std::vector<int64_t> dims, const InitSpec& init,
                         int64_t fan_in, int64_t fan_out) {
      pl.params.push_back(static_cast<int>(plan.params.size()));
      plan.params.push_back(ParamSpec{s.name + "." + suffix, std::move(dims), init, fan_in, fan_out});
    };
    switch (s.kind) {
      case LayerKind::conv2d:
      case LayerKind::max_pool:
      case LayerKind::avg_pool: {
        if (s.kernel_h <= 0 || s.kernel_w <= 0 || s.stride_h <= 0 || s.stride_w <= 0)
          throw ConfigError(fmt::format("{}: kernel and stride must be positive", where(s, i)));
        int64_t oh, ow;
        spatial(cur.h, s.kernel_h, s.stride_h, s.padding, oh, pl.pad_top, pl.pad_bottom);
        spatial(cur.w, s.kernel_w, s.stride_w, s.padding, ow, pl.pad_left, pl.pad_right);
        if (oh <= 0 || ow <= 0)
          throw ConfigError(fmt::format("{}: a {}x{} window with {} padding does not fit the {} input",
                                        where(s, i), s.kernel_h, s.kernel_w, to_string(s.padding), cur.str()));
        if (s.kind == LayerKind::conv2d) {
          if (s.filters <= 0) throw ConfigError(fmt::format("{}: filters must be positive", where(s, i)));
          pl.out = Shape{s.filters, oh, ow};
          const int64_t k = s.kernel_h * s.kernel_w;
          add_param("weight", {s.filters, cur.c, s.kernel_h, s.kernel_w}, s.weight_init, cur.c * k, s.filters * k);
          if (s.use_bias) add_param("bias", {s.filters}, s.bias_init, cur.c * k, s.filters * k);
          pl.forward_flops = 2.0 * static_cast<double>(pl.out.size()) * static_cast<double>(cur.c * k);
        } else {
          pl.out = Shape{cur.c, oh, ow};
          pl.forward_flops = static_cast<double>(pl.out.size() * s.kernel_h * s.kernel_w);
        }
        break;
      }
      case LayerKind::dense: {
        if (s.units <= 0) throw ConfigError(fmt::format("{}: units must be positive", where(s, i)));
        const int64_t in = cur.size();  // implicit flatten in channel-height-width order
        pl.out = Shape{s.units, 1, 1};
        add_param("weight", {s.units, in}, s.weight_init, in, s.units);
        if (s.use_bias) add_param("bias", {s.units}, s.bias_init, in, s.units);
        pl.forward_flops = 2.0 * static_cast<double>(in * s.units);
        break;
      }
      case LayerKind::flatten:
        pl.out = Shape{cur.size(), 1, 1};
        break;
      case LayerKind::relu:
      case LayerKind::dropout:
        pl.out = cur;
        pl.forward_flops = static_cast<double>(cur.size());
        break;
    }
    if ((s.kind == LayerKind::conv2d || s.kind == LayerKind::dense) && s.activation == Activation::relu)
      pl.forward_flops += static_cast<double>(pl.out.size());
    cur = pl.out;
    plan.layers.push_back(std::move(pl));
  }

  const LayerSpec& last = plan.layers.back().spec;
  if (last.kind != LayerKind::dense || last.activation != Activation::none)
    throw ConfigError(fmt::format(
        "{}: the last layer must be a dense layer without activation; its outputs are the logits "
        "that the softmax cross-entropy loss reads",
        where(last, layers.size() - 1)));
  if (cur.size() != classes)
    throw ConfigError(fmt::format("{}: produces {} outputs but the data set has {} classes (use `units: classes`)",
                                  where(last, layers.size() - 1), cur.size(), classes));
  return plan;
}

}  // namespace expt
