// dropout by the rule of core/philox.hpp (philox::DropoutMask): element i of the layer's output,
// counted over the whole n*C*H*W tensor in logical NCHW order, is kept iff its Philox draw
// (seed, layer, step, i) is at or above the threshold. The draws are made in logical order, 64 at a time in AVX-512
// (dropout_mask.cpp); the tensor itself is in whatever layout the previous layer chose, so the
// keep flags are then copied into a mask in the tensor's physical order, and forward and backward
// both walk that mask contiguously in vector code. Channel-blocked layouts (nChw16c, nChw8c,
// plain) take a loop with the blocking built in; any other layout walks logical rows through
// oneDNN's offset rule. In the kernels' own blocked layout (nChw16c on AVX-512, nChw8c on AVX2)
// with pixels per channel a multiple of 4, the draws go straight into the physical order
// instead, a lane per channel (docs/onednn-notes.md §14).
// spatial_dropout is the same pass with one draw per (sample, channel): the n*C flags are drawn
// by the same kernel and each is repeated over its channel's pixels into the per-element flags,
// after which both kinds write the output and run backward alike.
#include <cstring>

#include "backends/onednn/cpu_isa.hpp"
#include "backends/onednn/dropout_mask.hpp"
#include "backends/onednn/layer.hpp"
#include "core/philox.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;

// Below this many elements a loop stays on one thread: a parallel region costs microseconds,
// and milliseconds when another process holds a core.
constexpr int64_t kParallelElements = int64_t{1} << 15;

// A layout of {N, C, spatial...} (2-D or 4-D) laid out as [n][C / block][spatial][block]: the
// blocked layouts oneDNN's convolutions and pooling produce, and plain ones (block 1).
struct ChannelBlocking {
  int64_t n = 0, c = 0, spatial = 1, block = 1;
  static std::optional<ChannelBlocking> of(const memory::desc& md) {
    const BlockedOffsets layout(md);
    const int nd = layout.ndims();
    if (nd != 2 && nd != 4) return std::nullopt;
    ChannelBlocking b;
    b.n = layout.dim(0);
    b.c = layout.dim(1);
    for (int d = 2; d < nd; ++d) b.spatial *= layout.dim(d);
    const auto& blocking = md.data.format_desc.blocking;
    if (blocking.inner_nblks > 1 || md.data.offset0 != 0) return std::nullopt;
    if (blocking.inner_nblks == 1) {
      if (blocking.inner_idxs[0] != 1) return std::nullopt;
      b.block = blocking.inner_blks[0];
    }
    // The strides the [n][C / block][spatial][block] order implies, innermost first.
    const int64_t blocks = (b.c + b.block - 1) / b.block;
    int64_t stride = b.block;
    for (int d = nd - 1; d >= 2; --d) {
      if (layout.stride(d) != stride) return std::nullopt;
      stride *= layout.dim(d);
    }
    if (layout.stride(1) != stride) return std::nullopt;
    if (layout.stride(0) != stride * blocks) return std::nullopt;
    return b;
  }
  int64_t channel_blocks() const { return (c + block - 1) / block; }
};

class DropoutPass final : public LayerPass {
 public:
  DropoutPass(size_t index, const PlannedLayer& planned, const memory& input, BuildContext& ctx)
      : LayerPass(index, planned),
        input_(input),
        active_(ctx.options.dropout && planned.spec.rate > 0.0),
        rule_(philox::dropout_mask(ctx.options.seed, static_cast<uint32_t>(index), 0, planned.spec.rate)) {
    const memory::desc md = input.get_desc();
    bf16_ = md.data_type() == memory::data_type::bf16;
    output_ = memory(md, ctx.engine, ctx.allocator(name(), "output")(md.get_size()));
    elements_ = 1;
    for (const auto d : md.dims()) elements_ *= d;
    physical_elements_ = static_cast<int64_t>(md.get_size() / memory::data_type_size(md.data_type()));
    blocking_ = ChannelBlocking::of(md);
    if (!blocking_) map_rows(md);
    if (planned.spec.kind == LayerKind::spatial_dropout) {
      units_ = md.dims()[0] * md.dims()[1];
      plane_ = elements_ / units_;
    }
    // Element dropout on the kernels' own blocked layout draws its mask in that order directly.
    drawn_blocked_ = units_ == 0 && blocking_ && blocked_keep_mask_fits(kernel_isa(), blocking_->block, blocking_->spatial);
    if (active_) {
      if (!drawn_blocked_)
        keep_ = static_cast<uint8_t*>(ctx.allocator(name(), "keep")(static_cast<size_t>(elements_)));
      allocate_mask_ = ctx.allocator(name(), "mask");  // in bind(), unless the producer takes the dropout
      if (units_ > 0)
        unit_keep_ = static_cast<uint8_t*>(ctx.allocator(name(), "channel_keep")(static_cast<size_t>(units_)));
    }
  }

  memory::desc diff_dst_desc() const override { return output_.get_desc(); }
  memory::desc diff_src_desc() const override { return output_.get_desc(); }
  bool backward_in_place() const override { return true; }

  void bind(const memory&, const memory& diff_dst, const memory&) override {
    diff_ = diff_dst;
    if (active_ && !handed_over_)
      mask_ = static_cast<uint8_t*>(allocate_mask_(static_cast<size_t>(physical_elements_)));
  }

  // Element dropout on the kernels' blocked fp32 layout, to the layer it alone reads, where that
  // layer takes it (expt's max pooling, docs/onednn-notes.md §25).
  bool hand_dropout_to(LayerPass& producer) override {
    handed_over_ = active_ && units_ == 0 && !bf16_ && drawn_blocked_ && producer.take_dropout({rule_, output_});
    return handed_over_;
  }

  void forward(dnnl::stream& stream, Phase phase, uint64_t step, Profiler& profiler) override {
    masked_ = active_ && phase == Phase::train;
    if (masked_ && handed_over_) return;  // the producer wrote the output
    profiler.time(index_, Direction::forward, stream, [&] {
      if (!masked_) return copy_input();
      if (drawn_blocked_) {
        const BlockedMaskShape shape{blocking_->n, blocking_->c, blocking_->spatial};
        draw_blocked_keep_mask(kernel_isa(), rule_.seed, rule_.layer, step, rule_.threshold, mask_, shape);
      } else {
        draw_keep_flags(step);
        order_mask();
      }
      bf16_ ? scale_by_mask<uint16_t>(input_, output_) : scale_by_mask<float>(input_, output_);
    });
  }

  void backward_data(dnnl::stream& stream, Profiler& profiler) override {
    if (!masked_ || handed_over_) return;  // identity, or the producer's backward applies it
    profiler.time(index_, Direction::backward_data, stream,
                  [&] { bf16_ ? scale_by_mask<uint16_t>(diff_, diff_) : scale_by_mask<float>(diff_, diff_); });
  }

 private:
  // Other layouts: logical rows (every dimension but the innermost one with more than one
  // element) and their physical offsets.
  void map_rows(const memory::desc& md) {
    const BlockedOffsets layout(md);
    const int nd = layout.ndims();
    int inner = nd - 1;
    while (inner > 0 && layout.dim(inner) == 1) --inner;
    row_length_ = layout.dim(inner);
    // A blocked innermost dimension is walked element by element through the full offset rule.
    per_element_ = layout.inner_blocked(inner);
    row_stride_ = layout.stride(inner);
    int64_t rows = 1;
    for (int d = 0; d < inner; ++d) rows *= layout.dim(d);
    int64_t index[DNNL_MAX_NDIMS] = {};
    for (int64_t r = 0; r < rows; ++r) {
      int64_t rest = r;
      for (int d = inner - 1; d >= 0; --d) {
        index[d] = rest % layout.dim(d);
        rest /= layout.dim(d);
      }
      index[inner] = 0;
      row_base_.push_back(layout.offset(index));
      if (per_element_) {
        for (int64_t w = 0; w < row_length_; ++w) {
          index[inner] = w;
          element_offsets_.push_back(layout.offset(index));
        }
      }
    }
  }

  // keep_ for this step: one draw per element, or per channel repeated over its pixels.
  void draw_keep_flags(uint64_t step) {
    if (units_ == 0)
      return draw_keep_mask(kernel_isa(), rule_.seed, rule_.layer, step, rule_.threshold, keep_, elements_);
    draw_keep_mask(kernel_isa(), rule_.seed, rule_.layer, step, rule_.threshold, unit_keep_, units_);
#pragma omp parallel for schedule(static) if (elements_ > kParallelElements)
    for (int64_t u = 0; u < units_; ++u) std::memset(keep_ + u * plane_, unit_keep_[u], static_cast<size_t>(plane_));
  }

  int64_t physical(int64_t row, int64_t w) const {
    return per_element_ ? element_offsets_[row * row_length_ + w] : row_base_[row] + w * row_stride_;
  }

  // mask_ from the logical keep flags, in the tensor's physical order. In a channel-blocked layout
  // the `block` channels of one pixel are adjacent: their flags lie `spatial` apart in keep_.
  // Padding elements keep their zero flag (the buffer starts zeroed), so their output is zero.
  void order_mask() {
    if (blocking_) {
      const ChannelBlocking b = *blocking_;
      const int64_t outer = b.n * b.channel_blocks();
#pragma omp parallel for schedule(static) if (elements_ > kParallelElements)
      for (int64_t o = 0; o < outer; ++o) {
        const int64_t n = o / b.channel_blocks(), first_channel = o % b.channel_blocks() * b.block;
        const int64_t lanes = std::min(b.block, b.c - first_channel);
        const uint8_t* keep = keep_ + (n * b.c + first_channel) * b.spatial;
        uint8_t* mask = mask_ + o * b.spatial * b.block;
        for (int64_t lane = 0; lane < lanes; ++lane)
          for (int64_t s = 0; s < b.spatial; ++s) mask[s * b.block + lane] = keep[lane * b.spatial + s];
      }
      return;
    }
    const auto rows = static_cast<int64_t>(row_base_.size());
#pragma omp parallel for schedule(static) if (elements_ > kParallelElements)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t w = 0; w < row_length_; ++w) mask_[physical(r, w)] = keep_[r * row_length_ + w];
  }

  // to = from * scale where mask_ keeps an element, 0 elsewhere, over the physical tensor: the
  // forward (input to output) and, in place, the backward.
  template <class T>
  void scale_by_mask(const memory& from, const memory& to) {
    const auto* src = static_cast<const T*>(from.get_data_handle());
    auto* dst = static_cast<T*>(to.get_data_handle());
    constexpr int64_t kChunk = 1 << 16;  // elements per OpenMP work item
#pragma omp parallel for schedule(static) if (physical_elements_ > kParallelElements)
    for (int64_t at = 0; at < physical_elements_; at += kChunk) {
      const int64_t count = std::min(kChunk, physical_elements_ - at);
      if (src == dst)
        scale_kept(kernel_isa(), dst + at, mask_ + at, rule_.scale, count);
      else
        scale_kept(kernel_isa(), src + at, dst + at, mask_ + at, rule_.scale, count);
    }
  }

  void copy_input() {
    const auto* src = static_cast<const char*>(input_.get_data_handle());
    auto* dst = static_cast<char*>(output_.get_data_handle());
    const auto bytes = static_cast<int64_t>(output_.get_desc().get_size());
    constexpr int64_t kChunk = 1 << 20;
#pragma omp parallel for schedule(static) if (bytes > kChunk)
    for (int64_t at = 0; at < bytes; at += kChunk) std::memcpy(dst + at, src + at, std::min(kChunk, bytes - at));
  }

  memory input_, diff_;
  bool active_, masked_ = false, per_element_ = false, bf16_ = false;
  bool drawn_blocked_ = false;  // draw_blocked_keep_mask writes mask_; keep_ is not needed
  bool handed_over_ = false;    // the producer runs this dropout in training (hand_dropout_to)
  philox::DropoutMask rule_;  // this layer's threshold and scale; the step comes with each forward
  int64_t elements_ = 0, physical_elements_ = 0;
  uint8_t* keep_ = nullptr;  // one flag per logical element, NCHW order, drawn each step
  uint8_t* mask_ = nullptr;  // the same flags in the tensor's physical order, for backward
  Allocate allocate_mask_;
  // spatial_dropout: n*C (sample, channel) units of plane_ pixels each, and their drawn flags;
  // units_ is 0 for element dropout.
  int64_t units_ = 0, plane_ = 1;
  uint8_t* unit_keep_ = nullptr;
  std::optional<ChannelBlocking> blocking_;
  std::vector<int64_t> row_base_, element_offsets_;
  int64_t row_length_ = 0, row_stride_ = 0;
};

}  // namespace

std::unique_ptr<LayerPass> make_dropout(size_t index, const PlannedLayer& planned, const memory& input,
                                        BuildContext& ctx) {
  return std::make_unique<DropoutPass>(index, planned, input, ctx);
}

}  // namespace expt::onednn
