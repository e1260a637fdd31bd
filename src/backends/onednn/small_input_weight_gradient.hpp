#pragma once
// Backward-weights of a convolution with few input channels (a network's first layer: 1 for
// Fashion-MNIST, 3 for RGB), from the plain NCHW input oneDNN's forward reads and the output
// gradient in the path's blocked layout (docs/onednn-notes.md §19). oneDNN 2.6's AVX2 kernel pads
// the input to 8 channels, after copying it into that layout at every step.
// - 3x3 windows at stride 1, on both paths: the products straight from a tile of the input rows
//   with the padding in it. Under the AVX2 cap the seed network's conv1 took half of oneDNN's
//   time and Fashion-MNIST's first layer 0.7-0.8 ms against 2.0; on AVX-512 about a tenth less
//   than oneDNN's.
// - Other shapes, on AVX2: one matrix product per block of output pixels,
//   dW[o][k] += dY[p][o] . col[k][p], where col holds the input values each kernel tap
//   k = (channel, ky, kx) sees at pixel p (an im2col of the block, in the core's L1).
#include <cstdint>
#include <vector>

#include "core/vector_isa.hpp"

namespace expt::onednn {

struct SmallInputConv {
  int64_t n = 0, in_channels = 0, out_channels = 0;
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
};

// Whether the kernel takes this convolution on `isa`: at most 4 input channels; on AVX2 output
// channels in whole pairs of nChw8c blocks, on AVX-512 in whole nChw16c blocks with 3x3 windows
// at stride 1. There is no scalar path.
bool small_input_weight_gradient_fits(VectorIsa isa, const SmallInputConv& conv);
// Whether it takes the tile path (3x3 windows at stride 1) rather than AVX2's im2col.
bool small_input_tiles_fit(const SmallInputConv& conv);

// weight_grad[offsets[((o * in + i) * kernel_h + y) * kernel_w + x]] and bias_grad[o] (skipped
// when null), from the input `src` (plain NCHW) and the output gradient `diff_dst` (nChw8c on
// AVX2, nChw16c on AVX-512). On the OpenMP threads, each summing its own pixels, then the
// threads' sums added in thread order.
void small_input_weight_gradient(VectorIsa isa, const SmallInputConv& conv, const float* src, const float* diff_dst,
                                 const std::vector<int64_t>& offsets, float* weight_grad, float* bias_grad);

}  // namespace expt::onednn
