#include "backends/onednn/layouts.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace expt::onednn {

using dnnl::memory;

memory::desc plain_desc(const memory::dims& dims, memory::data_type type) {
  static const memory::format_tag tags[] = {memory::format_tag::undef, memory::format_tag::a, memory::format_tag::ab,
                                            memory::format_tag::abc, memory::format_tag::abcd};
  return memory::desc(dims, type, tags[dims.size()]);
}

memory::desc with_data_type(const memory::desc& md, memory::data_type type) {
  dnnl_memory_desc_t d = md.data;
  d.data_type = static_cast<dnnl_data_type_t>(type);
  return memory::desc(d);
}

memory::desc master_layout(const memory::desc& forward_weights, const memory::desc& diff_weights) {
  return diff_weights.data_type() == memory::data_type::f32 ? diff_weights
                                                             : with_data_type(forward_weights, memory::data_type::f32);
}

bool same_layout(const memory::desc& a, const memory::desc& b) {
  if (a == b) return true;
  const dnnl_memory_desc_t &x = a.data, &y = b.data;
  if (x.ndims != y.ndims || x.data_type != y.data_type || x.format_kind != dnnl_blocked ||
      y.format_kind != dnnl_blocked || x.offset0 != y.offset0)
    return false;
  const auto &bx = x.format_desc.blocking, &by = y.format_desc.blocking;
  if (bx.inner_nblks != by.inner_nblks) return false;
  for (int i = 0; i < x.ndims; ++i)
    if (x.dims[i] != y.dims[i] || x.padded_dims[i] != y.padded_dims[i] || x.padded_offsets[i] != y.padded_offsets[i] ||
        bx.strides[i] != by.strides[i])
      return false;
  for (int i = 0; i < bx.inner_nblks; ++i)
    if (bx.inner_blks[i] != by.inner_blks[i] || bx.inner_idxs[i] != by.inner_idxs[i]) return false;
  return true;
}

bool batch_outermost(const memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  if (d.format_kind != dnnl_blocked || d.offset0 != 0) return false;
  const auto& blocking = d.format_desc.blocking;
  for (int i = 0; i < blocking.inner_nblks; ++i)
    if (blocking.inner_idxs[i] == 0) return false;
  const int64_t per_sample = blocking.strides[0];
  return static_cast<int64_t>(md.get_size()) == d.padded_dims[0] * per_sample * 4;
}

memory::desc with_outer_dim(const memory::desc& md, int64_t n) {
  dnnl_memory_desc_t d = md.data;
  d.dims[0] = n;
  d.padded_dims[0] = n;
  return memory::desc(d);
}

Relayout Relayout::consume(const dnnl::engine& engine, const memory& have, const memory::desc& want,
                           const Allocate& allocate) {
  Relayout r;
  r.src_ = have;
  if (same_layout(have.get_desc(), want)) {
    r.dst_ = have;
  } else {
    r.dst_ = memory(want, engine, allocate(want.get_size()));
    r.reorder_.emplace(r.src_, r.dst_);
  }
  return r;
}

Relayout Relayout::produce(const dnnl::engine& engine, const memory::desc& produced, const memory& store,
                           const Allocate& allocate) {
  Relayout r;
  r.dst_ = store;
  if (same_layout(store.get_desc(), produced)) {
    r.src_ = store;
  } else {
    r.src_ = memory(produced, engine, allocate(produced.get_size()));
    r.reorder_.emplace(r.src_, r.dst_);
  }
  return r;
}

void Relayout::run(dnnl::stream& stream, Profiler& profiler) const {
  if (!reorder_) return;
  profiler.time(profiler.reorders_slot(), Direction::forward, stream, [&] {
    reorder_->execute(stream, {{DNNL_ARG_FROM, src_}, {DNNL_ARG_TO, dst_}});
  });
}

void reorder_now(const dnnl::engine& engine, const memory& from, const memory& to) {
  dnnl::stream stream(engine);
  dnnl::reorder(from, to).execute(stream, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
  stream.wait();
}

BlockedOffsets::BlockedOffsets(const memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  if (d.format_kind != dnnl_blocked) throw BackendError("onednn: expected a blocked memory layout");
  ndims_ = d.ndims;
  offset0_ = d.offset0;
  const auto& blocking = d.format_desc.blocking;
  inner_nblks_ = blocking.inner_nblks;
  for (int i = 0; i < ndims_; ++i) {
    dims_[i] = d.dims[i];
    strides_[i] = blocking.strides[i];
  }
  for (int i = 0; i < inner_nblks_; ++i) {
    inner_blks_[i] = blocking.inner_blks[i];
    inner_idxs_[i] = blocking.inner_idxs[i];
  }
}

bool BlockedOffsets::inner_blocked(int d) const {
  return std::find(inner_idxs_, inner_idxs_ + inner_nblks_, d) != inner_idxs_ + inner_nblks_;
}

int64_t BlockedOffsets::offset(const int64_t* index) const {
  int64_t pos[DNNL_MAX_NDIMS];
  std::copy(index, index + ndims_, pos);
  int64_t physical = offset0_;
  int64_t block_stride = 1;
  for (int b = inner_nblks_ - 1; b >= 0; --b) {
    const int d = inner_idxs_[b];
    physical += (pos[d] % inner_blks_[b]) * block_stride;
    pos[d] /= inner_blks_[b];
    block_stride *= inner_blks_[b];
  }
  for (int d = 0; d < ndims_; ++d) physical += pos[d] * strides_[d];
  return physical;
}

}  // namespace expt::onednn
