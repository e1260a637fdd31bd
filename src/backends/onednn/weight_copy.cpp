#include "backends/onednn/weight_copy.hpp"

#include "backends/onednn/bf16_weight_copy.hpp"
#include "backends/onednn/layouts.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;

// A padding element of the copy: the top bit set, the rest a valid index (0), so the gathers
// below load unconditionally, which is what lets them vectorise, and select zero after.
constexpr uint32_t kPadding = uint32_t{1} << 31;
constexpr uint32_t kIndex = kPadding - 1;

bool blocked(const memory::desc& md) { return md.data.format_kind == dnnl_blocked; }

// For each element of `copy`'s buffer, the offset of the same logical element in `master`'s
// (kPadding for the copy's padding).
std::vector<uint32_t> source_map(const memory::desc& master, const memory::desc& copy) {
  std::vector<uint32_t> source(copy.get_size() / memory::data_type_size(copy.data_type()), kPadding);
  const BlockedOffsets from(master), to(copy);
  const int ndims = from.ndims();
  int64_t index[DNNL_MAX_NDIMS] = {};
  int64_t elements = 1;
  for (int d = 0; d < ndims; ++d) elements *= from.dim(d);
  for (int64_t e = 0; e < elements; ++e) {
    source[static_cast<size_t>(to.offset(index))] = static_cast<uint32_t>(from.offset(index));
    for (int d = ndims - 1; d >= 0 && ++index[d] == from.dim(d); --d) index[d] = 0;
  }
  return source;
}

// Sequential writes, gathered reads: the loops vectorise with gather instructions.
EXPT_VECTOR_KERNEL void gather_f32(const uint32_t* __restrict source, const float* __restrict master,
                                   float* __restrict out, int64_t count) {
  for (int64_t c = 0; c < count; ++c) {
    const float value = master[source[c] & kIndex];
    out[c] = (source[c] & kPadding) != 0 ? 0.0f : value;
  }
}

EXPT_VECTOR_KERNEL void gather_bf16(const uint32_t* __restrict source, const float* __restrict master,
                                    uint16_t* __restrict out, int64_t count) {
  for (int64_t c = 0; c < count; ++c) {
    const uint32_t value = round_to_bf16(master[source[c] & kIndex]);
    out[c] = static_cast<uint16_t>((source[c] & kPadding) != 0 ? 0u : value);
  }
}

}  // namespace

WeightCopy::WeightCopy(const memory::desc& master, const memory& copy, bool trained)
    : data_(copy.get_data_handle()), layout_(copy.get_desc()) {
  if (!trained) return;
  const auto type = layout_.data_type();
  const bool mappable = blocked(master) && blocked(layout_) && master.dims() == layout_.dims() &&
                        master.data_type() == memory::data_type::f32 &&
                        (type == memory::data_type::f32 || type == memory::data_type::bf16) &&
                        static_cast<int64_t>(layout_.get_size() / memory::data_type_size(type)) <= kMaxMappedFloats &&
                        static_cast<int64_t>(master.get_size() / sizeof(float)) <= kMaxMappedFloats;
  if (is_bf16_pair_copy(master, layout_)) {
    writer_ = Writer::bf16_pairs;
  } else if (mappable) {
    writer_ = type == memory::data_type::f32 ? Writer::mapped_f32 : Writer::mapped_bf16;
    source_ = source_map(master, layout_);
  }
}

bool WeightCopy::holds(const memory::desc& layout) const { return held_ && same_layout(*held_, layout); }

bool WeightCopy::written_by_optimizer(const memory::desc& layout) const {
  return writer_ != Writer::none && same_layout(layout_, layout);
}

void WeightCopy::write_tile(VectorIsa isa, const float* master, int64_t begin, int64_t count) const {
  if (writer_ == Writer::bf16_pairs) write_bf16_pairs(isa, master, static_cast<uint16_t*>(data_), begin, count);
}

void WeightCopy::write_mapped(VectorIsa isa, const float* master, int64_t begin, int64_t count) const {
  const uint32_t* source = source_.data() + begin;
  if (writer_ == Writer::mapped_f32)
    run_vectorised<gather_f32>(isa, source, master, static_cast<float*>(data_) + begin, count);
  else if (writer_ == Writer::mapped_bf16)
    run_vectorised<gather_bf16>(isa, source, master, static_cast<uint16_t*>(data_) + begin, count);
}

void WeightCopy::after_update() {
  if (writer_ != Writer::none)
    held_ = layout_;
  else
    held_.reset();
}

WeightCopy& WeightCopies::at(const memory::desc& master, const memory& copy, bool trained) {
  for (const auto& c : copies_)
    if (c->data() == copy.get_data_handle()) return *c;
  return *copies_.emplace_back(std::make_unique<WeightCopy>(master, copy, trained));
}

void WeightCopies::stale() {
  for (const auto& c : copies_) c->stale();
}

}  // namespace expt::onednn
