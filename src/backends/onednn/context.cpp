#include <fmt/format.h>

#include "backends/onednn/layer.hpp"
#include "core/error.hpp"

namespace expt::onednn {

Allocate BuildContext::allocator(const std::string& layer, const std::string& what) {
  return [&pool = buffers, slot = layer + "." + what](size_t bytes) { return pool.acquire(slot, bytes); };
}

dnnl::primitive_attr BuildContext::attr() const {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void BuildContext::note(const dnnl::primitive_desc_base& pd, const std::string& layer, const std::string& primitive,
                        bool compute_bound) {
  const std::string impl = pd.impl_info_str();
  primitives.push_back(PrimitiveInfo{layer, primitive, impl, compute_bound});
  scratchpad_bytes = std::max(scratchpad_bytes, pd.scratchpad_desc().get_size());
  if (compute_bound && impl.find("ref") != std::string::npos)
    throw BackendError(
        fmt::format("onednn: layer '{}' {} (batch {}) got oneDNN's reference implementation '{}', about 1000x slower "
                    "than the JIT kernels; refusing to build",
                    layer, primitive, n, impl));
}

dnnl::primitive_attr forward_attr(const LayerSpec& spec) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (spec.activation == Activation::relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
  }
  return attr;
}

ReluBackward::ReluBackward(const dnnl::memory::desc& dst, const dnnl::memory::desc& diff_dst, BuildContext& ctx,
                           const std::string& layer) {
  using dnnl::algorithm;
  // Only a hint for the backward descriptor; never executed (docs/onednn-notes.md §4).
  const dnnl::eltwise_forward::primitive_desc hint(
      {dnnl::prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, dst, 0.0f}, ctx.engine);
  const auto pd =
      ctx.check(dnnl::eltwise_backward::primitive_desc({algorithm::eltwise_relu_use_dst_for_bwd, diff_dst, dst, 0.0f},
                                                       ctx.attr(), ctx.engine, hint),
                layer, "relu backward", false);
  primitive_.emplace(pd);
}

void ReluBackward::bind(const dnnl::memory& scratchpad, const dnnl::memory& dst, const dnnl::memory& diff_dst) {
  args_ = {{DNNL_ARG_DST, dst},
           {DNNL_ARG_DIFF_DST, diff_dst},
           {DNNL_ARG_DIFF_SRC, diff_dst},
           {DNNL_ARG_SCRATCHPAD, scratchpad}};
}

void ReluBackward::run(dnnl::stream& stream) const {
  if (primitive_) primitive_->execute(stream, args_);
}

}  // namespace expt::onednn
