#pragma once
// A parameter's value in the layout (and type) one of its primitives reads: the forward's bf16
// weights, or backward-data's own block order (on AVX2 oneDNN's convolutions read their weights
// as ABcd8b8a forward and ABcd8a8b backward). Copies live in buffers that the passes of every
// batch size share, so each records which layout its buffer holds now: a layer reorders into it
// only when the value changed since, or another layout took the buffer. For the layout of the
// layer that registered it first, the optimizer writes the copy right after the update, so
// training runs no reorder for it (docs/onednn-notes.md §13).
#include <cstdint>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <vector>

#include "core/vector_isa.hpp"

namespace expt::onednn {

class WeightCopy {
 public:
  // The copy `copy` of a value kept in `master` (f32). Of a `trained` value, the optimizer writes
  // it where a writer applies: the bf16 pairs of a wide dense layer (bf16_weight_copy.hpp), or,
  // for a tensor of at most kMaxMappedFloats floats, a map from each element of the copy to its
  // source.
  WeightCopy(const dnnl::memory::desc& master, const dnnl::memory& copy, bool trained);

  static constexpr int64_t kMaxMappedFloats = int64_t{1} << 20;  // the map: 4 bytes an element

  void* data() const { return data_; }
  // Whether the buffer holds the current value in `layout`.
  bool holds(const dnnl::memory::desc& layout) const;
  // A reorder just wrote the current value into the buffer in `layout`.
  void now_holds(const dnnl::memory::desc& layout) { held_ = layout; }
  // The value changed (a write, an update nobody copied).
  void stale() { held_.reset(); }

  // Whether the optimizer writes the copy in `layout`.
  bool written_by_optimizer(const dnnl::memory::desc& layout) const;
  // The optimizer's part, by one of two writers, then after_update() once every range is written.
  // Per tile, right after its update (whole 16 x 64 blocks, as the optimizer's tiles are):
  // writes the copy of the master's elements [begin, begin + count), if this copy's writer works
  // that way.
  void write_tile(VectorIsa isa, const float* master, int64_t begin, int64_t count) const;
  // After the whole update: the copy's elements [begin, begin + count) of mapped_elements(),
  // padding included, gathered from anywhere in the master.
  int64_t mapped_elements() const { return static_cast<int64_t>(source_.size()); }
  void write_mapped(VectorIsa isa, const float* master, int64_t begin, int64_t count) const;
  void after_update();

 private:
  enum class Writer { none, bf16_pairs, mapped_f32, mapped_bf16 };
  void* data_;
  dnnl::memory::desc layout_;  // what the optimizer writes
  Writer writer_ = Writer::none;
  std::vector<uint32_t> source_;  // mapped_*: per element of the copy, its offset in the master's buffer
  std::optional<dnnl::memory::desc> held_;
};

// The copies of one parameter, found by buffer.
class WeightCopies {
 public:
  // The copy in `copy`'s buffer; if it is new, registered as WeightCopy(master, copy, trained).
  WeightCopy& at(const dnnl::memory::desc& master, const dnnl::memory& copy, bool trained);
  void stale();
  const std::vector<std::unique_ptr<WeightCopy>>& all() const { return copies_; }

 private:
  std::vector<std::unique_ptr<WeightCopy>> copies_;  // pointers stay valid: layers hold them
};

}  // namespace expt::onednn
