// dropout: the reference's exact mask. Element i of the layer's output, counted over the whole
// n*C*H*W tensor in logical NCHW order, is kept iff its Philox draw (seed, layer, step, i) is at
// or above the threshold. The tensor itself is in whatever (blocked) layout the previous layer
// chose, so the loops walk logical rows and compute each row's physical offsets.
#include <bit>
#include <cstring>

#include "backends/onednn/layer.hpp"
#include "core/philox.hpp"

namespace expt::onednn {

namespace {

using dnnl::memory;

// Element access for the two activation types: fp32, and bf16 (the top half of an fp32,
// rounded to nearest even as oneDNN rounds).
struct Fp32 {
  using Storage = float;
  static float load(float x) { return x; }
  static float store(float x) { return x; }
};
struct Bf16 {
  using Storage = uint16_t;
  static float load(uint16_t x) { return std::bit_cast<float>(static_cast<uint32_t>(x) << 16); }
  static uint16_t store(float x) {
    const auto bits = std::bit_cast<uint32_t>(x);
    return static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
  }
};

class DropoutPass final : public LayerPass {
 public:
  DropoutPass(size_t index, const PlannedLayer& planned, const memory& input, BuildContext& ctx)
      : LayerPass(index, planned),
        input_(input),
        active_(ctx.options.dropout && planned.spec.rate > 0.0),
        seed_(ctx.options.seed),
        threshold_(philox::drop_threshold(static_cast<float>(planned.spec.rate))),
        scale_(static_cast<float>(1.0 / (1.0 - planned.spec.rate))) {  // the reference's rounding
    const memory::desc md = input.get_desc();
    bf16_ = md.data_type() == memory::data_type::bf16;
    output_ = memory(md, ctx.engine, ctx.allocator(name(), "output")(md.get_size()));
    map_rows(md);
    const size_t elements = static_cast<size_t>(row_base_.size() * row_length_);
    if (active_) mask_ = static_cast<uint8_t*>(ctx.allocator(name(), "mask")(elements));
  }

  memory::desc diff_dst_desc() const override { return output_.get_desc(); }
  memory::desc diff_src_desc() const override { return output_.get_desc(); }
  bool backward_in_place() const override { return true; }

  void bind(const memory&, const memory& diff_dst, const memory&) override { diff_ = diff_dst; }

  void forward(dnnl::stream& stream, Phase phase, uint64_t step, Profiler& profiler) override {
    masked_ = active_ && phase == Phase::train;
    profiler.time(index_, Direction::forward, stream, [&] {
      if (!masked_)
        copy_input();
      else if (bf16_)
        apply_new_mask<Bf16>(step);
      else
        apply_new_mask<Fp32>(step);
    });
  }

  void backward_data(dnnl::stream& stream, Profiler& profiler) override {
    if (!masked_) return;  // identity
    profiler.time(index_, Direction::backward_data, stream,
                  [&] { bf16_ ? apply_saved_mask<Bf16>() : apply_saved_mask<Fp32>(); });
  }

 private:
  // Logical rows: every dimension but the innermost one with more than one element.
  void map_rows(const memory::desc& md) {
    const BlockedOffsets layout(md);
    const int nd = layout.ndims();
    int inner = nd - 1;
    while (inner > 0 && layout.dim(inner) == 1) --inner;
    row_length_ = layout.dim(inner);
    // A blocked innermost dimension (not produced by any CPU primitive seen so far) is walked
    // element by element through the full offset rule.
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

  int64_t physical(int64_t row, int64_t w) const {
    return per_element_ ? element_offsets_[row * row_length_ + w] : row_base_[row] + w * row_stride_;
  }

  template <class Element>
  void apply_new_mask(uint64_t step) {
    using T = typename Element::Storage;
    const auto* src = static_cast<const T*>(input_.get_data_handle());
    auto* dst = static_cast<T*>(output_.get_data_handle());
    const auto rows = static_cast<int64_t>(row_base_.size());
    const auto layer = static_cast<uint32_t>(index_);
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      uint64_t block_index = UINT64_MAX;
      philox::Block block{};
      for (int64_t w = 0; w < row_length_; ++w) {
        const auto i = static_cast<uint64_t>(r * row_length_ + w);
        if (i / 4 != block_index) {
          block_index = i / 4;
          block = philox::dropout_block(seed_, layer, step, block_index);
        }
        const bool keep = block.v[i % 4] >= threshold_;
        mask_[i] = keep;
        const int64_t p = physical(r, w);
        dst[p] = Element::store(keep ? Element::load(src[p]) * scale_ : 0.0f);
      }
    }
  }

  template <class Element>
  void apply_saved_mask() {
    auto* diff = static_cast<typename Element::Storage*>(diff_.get_data_handle());
    const auto rows = static_cast<int64_t>(row_base_.size());
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t w = 0; w < row_length_; ++w) {
        const int64_t p = physical(r, w);
        diff[p] = Element::store(mask_[r * row_length_ + w] ? Element::load(diff[p]) * scale_ : 0.0f);
      }
    }
  }

  void copy_input() {
    const auto* src = static_cast<const char*>(input_.get_data_handle());
    auto* dst = static_cast<char*>(output_.get_data_handle());
    const auto bytes = static_cast<int64_t>(output_.get_desc().get_size());
    constexpr int64_t kChunk = 1 << 20;
#pragma omp parallel for schedule(static)
    for (int64_t at = 0; at < bytes; at += kChunk) std::memcpy(dst + at, src + at, std::min(kChunk, bytes - at));
  }

  memory input_, diff_;
  bool active_, masked_ = false, per_element_ = false, bf16_ = false;
  uint64_t seed_;
  uint32_t threshold_;
  float scale_;
  uint8_t* mask_ = nullptr;  // one byte per logical element, in NCHW order
  std::vector<int64_t> row_base_, element_offsets_;
  int64_t row_length_ = 0, row_stride_ = 0;
};

}  // namespace

std::unique_ptr<LayerPass> make_dropout(size_t index, const PlannedLayer& planned, const memory& input,
                                        BuildContext& ctx) {
  return std::make_unique<DropoutPass>(index, planned, input, ctx);
}

}  // namespace expt::onednn
