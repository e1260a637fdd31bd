#pragma once
// Winograd F(4x4, 3x3) convolution of expt's own. oneDNN 2.6 has Winograd only for AVX-512, and
// below it its direct kernels run at about the machine's peak, which leaves fewer
// multiplications as the one way to go faster (docs/onednn-notes.md §16, §17); on AVX-512 its
// own F(4x4, 3x3) keeps the transformed tensors in memory between its steps, and this one, which
// keeps them in the core's cache, beats it in most layers (§18, §20). Each 4x4 output tile is
// A^T [(G g G^T) . (B^T d B)] A over a 6x6 input tile: 36 multiplications per input and output
// channel pair for 16 outputs instead of 144, done as 36 small matrix products over the
// channels, with the input and output transforms around them.
//
// Backward-weights sums, over all tiles, the products of the input's transform with the output
// gradient's (A dY A^T), and takes the 3x3 gradient back with G^T . G.
//
// Shapes: 3x3 kernels, stride 1, padding 1 on every side, any image size; channel counts that
// winograd_channels_fit; input and output in oneDNN's channel-blocked layout of the path
// (nChw8c on AVX2, nChw16c on AVX-512: winograd_channel_block). Backward-data is the same
// convolution of the output gradient with the weights rotated by 180 degrees and their channel
// roles swapped, so it runs the same kernel. The arithmetic differs from a direct convolution's
// by float rounding (up to about 1e-5 of the output's magnitude), as oneDNN's Winograd does.
#include <cstdint>
#include <vector>

#include "core/vector_isa.hpp"

namespace expt::onednn {

struct WinogradShape {
  int64_t n = 0, in_channels = 0, out_channels = 0, height = 0, width = 0;
};

// `isa`: avx2 or avx512 (at most cpu_vector_isa()); there is no scalar path.
// The channels per block of the activations' layout the path reads and writes (8 or 16).
int64_t winograd_channel_block(VectorIsa isa);
// Whether a convolution with these channel counts can run on the path (both multiples of two
// blocks, so that backward-data, with the roles swapped, can too).
bool winograd_channels_fit(VectorIsa isa, int64_t in_channels, int64_t out_channels);

// The floats of a convolution's transformed weights: 36 x in x out.
int64_t winograd_weights_floats(int64_t in, int64_t out);
// Writes into `transformed` the weights as the kernel reads them, from a convolution's {out, in,
// 3, 3} weights: weights[offsets[((o * in + i) * 3 + y) * 3 + x]] is element (o, i, y, x), so any
// blocked layout can be read in place. `for_backward_data`: the transform of the rotated weights
// with in and out swapped, for winograd_convolution over the output gradient. On the OpenMP
// threads.
void winograd_weights(int64_t out, int64_t in, const float* weights, const std::vector<int64_t>& offsets,
                      bool for_backward_data, float* transformed);

// dst = conv(src, weights) (+ bias, then max(0, .) when `relu`), on the OpenMP threads. `bias`
// may be null. `gate`, where not null, is a tensor of dst's shape and layout, and dst is zero
// wherever it is not positive: in backward-data, the backward of a ReLU whose output `gate` is
// (the forward's input), applied as the gradient is written instead of in a pass of its own.
void winograd_convolution(VectorIsa isa, const WinogradShape& shape, const float* src, const float* transformed,
                          const float* bias, bool relu, const float* gate, float* dst);

// The gradients of a convolution's weights and bias from its input `src` and the gradient at its
// output `diff_dst`: weight_grad[offsets[...]] as winograd_weights reads weights, and
// bias_grad[o] (skipped when null). On the OpenMP threads, each summing its own tiles, then the
// threads' sums added in thread order.
void winograd_weight_gradient(VectorIsa isa, const WinogradShape& shape, const float* src, const float* diff_dst,
                              const std::vector<int64_t>& offsets, float* weight_grad, float* bias_grad);

}  // namespace expt::onednn
