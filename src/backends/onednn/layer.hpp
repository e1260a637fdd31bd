#pragma once
// One layer of a pass (the primitives built for one batch size). The network wires the
// passes: each layer reads the outputs of the layers it reads in whatever layout they have, and
// its backward reads d(loss)/d(output) in the layout diff_dst_desc() asks for.
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/backend.hpp"
#include "backends/onednn/buffers.hpp"
#include "backends/onednn/layouts.hpp"
#include "backends/onednn/params.hpp"
#include "backends/onednn/profiler.hpp"
#include "core/philox.hpp"

namespace expt::onednn {

struct PrimitiveInfo {
  std::string layer, primitive;
  std::string implementation;  // oneDNN's name, or "expt:..." where expt's own kernel runs instead
  bool compute_bound = false;  // a convolution or inner product, as opposed to element-wise work
};

// What a layer needs while its primitives are created.
struct BuildContext {
  dnnl::engine engine;
  BufferPool& buffers;
  ParamStore& params;
  const NetworkOptions& options;
  int64_t n;                               // batch size of this pass
  dnnl::memory::data_type compute;         // f32, or bf16 (fp32 master weights and weight gradients)
  std::vector<PrimitiveInfo>& primitives;  // every primitive descriptor created, for checks and tests
  size_t scratchpad_bytes = 0;             // the largest user scratchpad any of them needs

  // A buffer in the pool slot "<layer>.<what>", shared with the passes of other batch sizes.
  Allocate allocator(const std::string& layer, const std::string& what);
  dnnl::primitive_attr attr() const;  // user scratchpad: one shared buffer, no allocation in a step

  // Records the implementation and its scratchpad; throws BackendError on a `ref` convolution or
  // inner product (docs/onednn-notes.md §1: about 1000x slower).
  template <class PrimitiveDesc>
  PrimitiveDesc check(PrimitiveDesc pd, const std::string& layer, const std::string& primitive, bool compute_bound) {
    note(pd, layer, primitive, compute_bound);
    return pd;
  }

 private:
  void note(const dnnl::primitive_desc_base& pd, const std::string& layer, const std::string& primitive,
            bool compute_bound);
};

// A dropout on a layer's output, done by that layer (LayerPass::take_dropout).
struct OutputDropout {
  philox::DropoutMask rule;  // the dropout layer's threshold and scale; the step comes with each forward
  dnnl::memory output;       // the dropout's output, which the layer's training forward writes
};

class LayerPass {
 public:
  LayerPass(size_t index, const PlannedLayer& planned) : index_(index), planned_(planned) {}
  virtual ~LayerPass() = default;
  LayerPass(const LayerPass&) = delete;
  LayerPass& operator=(const LayerPass&) = delete;

  // The activation, in the layout the layer chose.
  const dnnl::memory& output() const { return output_; }
  virtual dnnl::memory::desc diff_dst_desc() const = 0;
  virtual dnnl::memory::desc diff_src_desc() const = 0;
  // The data gradient overwrites the output gradient (element-wise layers).
  virtual bool backward_in_place() const { return false; }
  // Backward may write the output gradient it reads (in place, or a fused activation's
  // backward). A layer that only reads it can read a gradient other layers receive too (an add's)
  // without a private copy.
  virtual bool writes_diff_dst() const { return true; }

  // Once all primitives of the pass exist: the shared scratchpad and the gradient memories.
  virtual void bind(const dnnl::memory& scratchpad, const dnnl::memory& diff_dst, const dnnl::memory& diff_src) = 0;

  // A ReLU fused into this layer can leave its backward to the one layer that reads the output
  // (docs/onednn-notes.md §22): returns whether this layer has such a ReLU, and then skips its
  // backward from now on.
  virtual bool leave_relu_backward() { return false; }
  // Whether this layer applies, in its own backward, the backward of a ReLU fused into `producer`,
  // the layer it alone reads; it asks producer.leave_relu_backward() and, when that agrees, does.
  virtual bool take_relu_backward_from(LayerPass&) { return false; }

  // A dropout that alone reads this layer's output may leave itself to this layer (§25 of
  // docs/onednn-notes.md: expt's max pooling): in training the forward then writes the dropout's
  // output, not its own, and the backward applies the dropout's. Returns whether it takes it.
  virtual bool take_dropout(const OutputDropout&) { return false; }
  // Whether this dropout now runs inside `producer`, the layer it alone reads.
  virtual bool hand_dropout_to(LayerPass&) { return false; }
  // The output before a read from outside the step: a layer whose training forward wrote its
  // dropout's output instead computes its own here.
  virtual void complete_output() {}

  virtual void forward(dnnl::stream& stream, Phase phase, uint64_t step, Profiler& profiler) = 0;
  // Parameter gradients, and whatever backward_data needs first (a fused activation's backward).
  virtual void backward_weights(dnnl::stream&, Profiler&) {}
  virtual void backward_data(dnnl::stream& stream, Profiler& profiler) = 0;

  size_t index() const { return index_; }
  const PlannedLayer& planned() const { return planned_; }
  const std::string& name() const { return planned_.spec.name; }

 protected:
  size_t index_;
  const PlannedLayer& planned_;
  dnnl::memory output_;
};

// Factories, one per file; `input` is the output of the layer it reads (or the network input).
std::unique_ptr<LayerPass> make_conv(size_t index, const PlannedLayer&, const dnnl::memory& input, BuildContext&);
std::unique_ptr<LayerPass> make_pool(size_t index, const PlannedLayer&, const dnnl::memory& input, BuildContext&);
std::unique_ptr<LayerPass> make_dense(size_t index, const PlannedLayer&, const dnnl::memory& input, BuildContext&);
// relu, leaky_relu, elu, gelu, tanh, sigmoid and silu.
std::unique_ptr<LayerPass> make_activation(size_t index, const PlannedLayer&, const dnnl::memory& input,
                                           BuildContext&);
// dropout and spatial_dropout.
std::unique_ptr<LayerPass> make_dropout(size_t index, const PlannedLayer&, const dnnl::memory& input, BuildContext&);
std::unique_ptr<LayerPass> make_batch_norm(size_t index, const PlannedLayer&, const dnnl::memory& input,
                                           BuildContext&);
// `read_by_dense_only`: every layer that reads the output is a dense layer, which flattens any
// layout itself; the input then passes on unchanged, in its own dimensions and layout.
std::unique_ptr<LayerPass> make_flatten(size_t index, const PlannedLayer&, const dnnl::memory& input, BuildContext&,
                                        bool read_by_dense_only);
// `inputs`: the outputs it sums, in the order of PlannedLayer::inputs.
std::unique_ptr<LayerPass> make_add(size_t index, const PlannedLayer&, const std::vector<dnnl::memory>& inputs,
                                    BuildContext&);

}  // namespace expt::onednn
