#pragma once
// Max pooling of expt's own over windows that do not overlap (stride = kernel, no padding: the
// shipped configs' 2x2 pools), in the path's channel-blocked layout (nChw8c on AVX2, nChw16c on
// AVX-512). oneDNN 2.6's jit pooling took 2-2.5x as long forward on the seed network's pools
// (docs/onednn-notes.md §21). Forward writes, per output element, the window position of the
// first maximum (rows, then columns, as the reference backend and PyTorch choose) into a byte;
// backward sends each output gradient there and zero to the rest of the window, and zero to the
// input pixels no window covers.
#include <cstdint>

#include "core/philox.hpp"
#include "core/vector_isa.hpp"

namespace expt::onednn {

struct MaxPoolShape {
  int64_t planes = 0;                  // images x channel blocks
  int64_t height = 0, width = 0;       // of the input
  int64_t window_h = 0, window_w = 0;  // the kernel, and the stride
  int64_t out_h() const { return height / window_h; }
  int64_t out_w() const { return width / window_w; }
};

// Whether a window of this size fits the byte that records its maximum's position (255 is none).
bool own_max_pool_fits(int64_t window_h, int64_t window_w);

// The channels per block of the layout the path reads and writes (8 or 16).
int64_t max_pool_channel_block(VectorIsa isa);

// Dropout on the output, in the same pass (docs/onednn-notes.md §25): the flags
// draw_blocked_keep_mask gives the output's layout (images x channels, out_h() x out_w() pixels)
// for this layer and step. A kept output is the maximum times `scale`; a dropped one is +0 and
// records no position, so backward sends it no gradient.
struct MaxPoolDropout {
  philox::DropoutMask rule;  // the dropout layer's, with this step
  int64_t images = 0, channels = 0;
};
// Whether a shape takes it: a plane of output pixels a whole number of the draws' quads.
bool max_pool_dropout_fits(const MaxPoolShape& shape);

// `isa`: avx2 or avx512 (at most cpu_vector_isa()); there is no scalar path. On the OpenMP
// threads. `argmax`: one byte per output element, in the output's layout, or null to record none
// (a read of the output alone). `input_relu`: `src` is a ReLU's output whose backward this
// pooling applies: a window whose maximum is not positive records no position, so that backward
// passes it no gradient, as the ReLU's backward would. `dropout`: null for none.
void max_pool_forward(VectorIsa isa, const MaxPoolShape& shape, const float* src, float* dst, uint8_t* argmax,
                      bool input_relu, const MaxPoolDropout* dropout = nullptr);
// `scale`: the dropout's, when the forward applied one (each gradient is multiplied by it), else 1.
void max_pool_backward(VectorIsa isa, const MaxPoolShape& shape, const float* diff_dst, const uint8_t* argmax,
                       float* diff_src, float scale = 1.0f);

}  // namespace expt::onednn
