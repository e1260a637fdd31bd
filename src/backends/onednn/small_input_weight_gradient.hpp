#pragma once
// Backward-weights of a convolution with few input channels (a network's first layer: 1 for
// Fashion-MNIST, 3 for RGB), on expt's AVX2 path. oneDNN 2.6 runs it there with the input padded
// to 8 channels, after copying the input into that layout at every step: 2.0-3.4 ms for
// Fashion-MNIST's 1-channel layer at batch 100, against 0.2 ms on AVX-512 (docs/onednn-notes.md
// §19). Here it is one matrix product per block of output pixels, dW[o][k] += dY[p][o] . col[k][p],
// where col holds the input values each kernel tap k = (channel, ky, kx) sees at pixel p (an
// im2col of the block, in the core's L1), read from the plain NCHW input oneDNN's forward takes.
#include <cstdint>
#include <vector>

#include "core/vector_isa.hpp"

namespace expt::onednn {

struct SmallInputConv {
  int64_t n = 0, in_channels = 0, out_channels = 0;
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
};

// Whether the kernel takes this convolution on `isa` (AVX2; at most 4 input channels, output
// channels in whole pairs of nChw8c blocks).
bool small_input_weight_gradient_fits(VectorIsa isa, int64_t in_channels, int64_t out_channels);

// weight_grad[offsets[((o * in + i) * kernel_h + y) * kernel_w + x]] and bias_grad[o] (skipped
// when null), from the input `src` (plain NCHW) and the output gradient `diff_dst` (nChw8c). On
// the OpenMP threads, each summing its own pixels, then the threads' sums added in thread order.
void small_input_weight_gradient(const SmallInputConv& conv, const float* src, const float* diff_dst,
                                 const std::vector<int64_t>& offsets, float* weight_grad, float* bias_grad);

}  // namespace expt::onednn
