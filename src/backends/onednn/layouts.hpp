#pragma once
// Memory layouts: oneDNN picks blocked layouts (format_tag::any); these helpers move tensors
// between layouts only where a consumer needs another one, and map logical NCHW indices to
// physical offsets.
#include <cstdint>
#include <functional>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>

#include "backends/onednn/profiler.hpp"

namespace expt::onednn {

using Allocate = std::function<void*(size_t bytes)>;

// Plain row-major layout (a, ab, abcd) of `dims`: PyTorch's canonical layouts.
dnnl::memory::desc plain_desc(const dnnl::memory::dims& dims,
                              dnnl::memory::data_type type = dnnl::memory::data_type::f32);
// The same layout holding another element type (fp32 master weights next to bf16 copies).
dnnl::memory::desc with_data_type(const dnnl::memory::desc& md, dnnl::memory::data_type type);

// The fp32 layout to keep master weights (and their gradients and optimizer state) in: the one
// backward-weights writes its fp32 gradient in, so no per-step reorder of the gradient is needed.
// In fp32 it is also the forward's layout. In bf16 the forward's bf16 copy is made from it
// every step anyway (one conversion, with or without a change of layout): for the seed
// network's dense layer this saves a 400 MB reorder (32 ms) and its 400 MB staging buffer.
dnnl::memory::desc master_layout(const dnnl::memory::desc& forward_weights, const dnnl::memory::desc& diff_weights);

// The same bytes in the same order: equal dims, type and blocking. Descriptors that only differ in
// fields no f32/bf16 kernel reads (oneDNN's `extra`) compare unequal with ==, which would cost a
// copy (in bf16, of every bias each step).
bool same_layout(const dnnl::memory::desc& a, const dnnl::memory::desc& b);

// True when dimension 0 (batch or output channels) is outermost and not blocked, so one
// sample is a contiguous run of strides[0] floats: the layout can be viewed as 2-D {N, K}.
bool batch_outermost(const dnnl::memory::desc& md);
// The same per-sample layout with dimension 0 set to `n` (needs batch_outermost).
dnnl::memory::desc with_outer_dim(const dnnl::memory::desc& md, int64_t n);

// A copy of a tensor in another layout, run before a consumer reads it (consume) or after a
// producer wrote it (produce). Aliases the tensor, and does nothing, when the layouts agree.
class Relayout {
 public:
  Relayout() = default;
  // `have` holds the data; the consumer reads dst() in layout `want`.
  static Relayout consume(const dnnl::engine& engine, const dnnl::memory& have, const dnnl::memory::desc& want,
                          const Allocate& allocate);
  // The producer writes src() in layout `produced`; run() moves it into `store`.
  static Relayout produce(const dnnl::engine& engine, const dnnl::memory::desc& produced, const dnnl::memory& store,
                          const Allocate& allocate);

  const dnnl::memory& src() const { return src_; }
  const dnnl::memory& dst() const { return dst_; }
  bool copies() const { return reorder_.has_value(); }
  void run(dnnl::stream& stream, Profiler& profiler) const;

 private:
  dnnl::memory src_, dst_;
  std::optional<dnnl::reorder> reorder_;
};

// One-off copy between layouts (canonical reads and writes of parameters and activations).
void reorder_now(const dnnl::engine& engine, const dnnl::memory& from, const dnnl::memory& to);

// Physical offset (in elements) of a logical index in a blocked layout: oneDNN's own rule
// (memory_desc_wrapper::off_v), since 2.6 has no public query for it.
class BlockedOffsets {
 public:
  explicit BlockedOffsets(const dnnl::memory::desc& md);
  int64_t offset(const int64_t* index) const;
  int ndims() const { return ndims_; }
  int64_t dim(int d) const { return dims_[d]; }
  int64_t stride(int d) const { return strides_[d]; }
  bool inner_blocked(int d) const;

 private:
  int ndims_;
  int64_t dims_[DNNL_MAX_NDIMS], strides_[DNNL_MAX_NDIMS];
  int64_t offset0_;
  int inner_nblks_;
  int64_t inner_blks_[DNNL_MAX_NDIMS];
  int inner_idxs_[DNNL_MAX_NDIMS];
};

}  // namespace expt::onednn
