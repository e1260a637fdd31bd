#pragma once
// Choosing convolution algorithms with cuDNN's own measurements. cudnnFind*AlgorithmEx times
// every algorithm on the real tensors, which takes a while, so a layer does it once per batch
// size and keeps the answer.
//
// This is cuDNN's legacy convolution API. cuDNN 9 (checked up to 9.19) still ships it in
// cudnn_cnn.h, marked CUDNN_DEPRECATED (a warning only with CUDNN_WARN_DEPRECATED); it is far
// simpler than the graph API for plain NCHW fp32 convolutions. When a cuDNN release removes it,
// this file and conv2d.cpp are the ones to port.
#include <cstddef>
#include <string>

#include <cudnn.h>

#include "backends/cudnn/layer.hpp"

namespace expt::cudnn {

// Each direction's algorithm with the math type cuDNN measured it with: since cuDNN 7.4 the
// pair decides whether tensor cores (TF32) run, so the descriptor is set to it before each call.
struct ConvAlgorithms {
  cudnnConvolutionFwdAlgo_t forward{};
  cudnnMathType_t forward_math{};
  cudnnConvolutionBwdDataAlgo_t backward_data{};
  cudnnMathType_t backward_data_math{};
  cudnnConvolutionBwdFilterAlgo_t backward_filter{};
  cudnnMathType_t backward_filter_math{};
  size_t workspace_bytes = 0;  // the most any of the three needs
};

// The tensors a search runs on. The outputs (y, dx, dw) are overwritten with junk, so they must
// be buffers whose contents do not matter at the time; the inputs are only read. A null dw (a
// frozen layer) skips the backward-filter search; that direction then keeps cuDNN's default.
struct ConvSearchTensors {
  cudnnTensorDescriptor_t x_desc;
  const float* x;
  cudnnFilterDescriptor_t w_desc;
  const float* w;
  cudnnConvolutionDescriptor_t conv;
  cudnnTensorDescriptor_t y_desc;
  float* y;
  const float* dy;
  float* dx;
  float* dw;
};

// The fastest algorithm per direction that fits ctx's workspace; under fp32_strict only FMA
// (non-TF32) ones. Throws BackendError naming the layer when a direction has none.
ConvAlgorithms find_conv_algorithms(const GpuContext& ctx, const ConvSearchTensors& t, const std::string& layer);

}  // namespace expt::cudnn
