#include "backends/cudnn/pool.hpp"

#include <fmt/format.h>

namespace expt::cudnn {

PoolLayer::PoolLayer(const PlannedLayer& layer, int64_t max_batch, DeviceAllocator& allocator) : layer_(layer) {
  if (layer_.spec.kind == LayerKind::max_pool)
    argmax_ = allocator.allocate(fmt::format("layer '{}' (argmax indices)", layer_.spec.name),
                                 max_batch * layer_.out.size() * int64_t{sizeof(int32_t)});
}

PoolGeometry PoolLayer::geometry(int64_t n) const {
  const LayerSpec& s = layer_.spec;
  return PoolGeometry{n,          layer_.in.c, layer_.in.h,   layer_.in.w,   layer_.out.h,  layer_.out.w,
                      s.kernel_h, s.kernel_w,  s.stride_h,    s.stride_w,    layer_.pad_top, layer_.pad_left};
}

void PoolLayer::forward(const GpuContext& ctx, const ForwardArgs& args) {
  if (argmax_.get())
    max_pool_forward(ctx.stream, geometry(args.n), args.x, args.y, argmax_.ints());
  else
    avg_pool_forward(ctx.stream, geometry(args.n), args.x, args.y);
}

void PoolLayer::backward_data(const GpuContext& ctx, const BackwardArgs& args) {
  if (argmax_.get())
    max_pool_backward(ctx.stream, geometry(args.n), argmax_.ints(), args.dy, args.dx);
  else
    avg_pool_backward(ctx.stream, geometry(args.n), args.dy, args.dx);
}

}  // namespace expt::cudnn
