#include "backends/cudnn/device_resources.hpp"

#include <limits>

#include <fmt/format.h>

#include "backends/cudnn/status_check.hpp"
#include "core/error.hpp"

namespace expt::cudnn {

TensorDescriptor make_tensor_descriptor() {
  cudnnTensorDescriptor_t d{};
  EXPT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&d));
  return TensorDescriptor(d);
}

FilterDescriptor make_filter_descriptor() {
  cudnnFilterDescriptor_t d{};
  EXPT_CUDNN_CHECK(cudnnCreateFilterDescriptor(&d));
  return FilterDescriptor(d);
}

ConvolutionDescriptor make_convolution_descriptor() {
  cudnnConvolutionDescriptor_t d{};
  EXPT_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&d));
  return ConvolutionDescriptor(d);
}

void set_nchw(cudnnTensorDescriptor_t desc, int64_t n, int64_t c, int64_t h, int64_t w) {
  constexpr int64_t kMax = std::numeric_limits<int>::max();
  if (n > kMax || c > kMax || h > kMax || w > kMax || n * c * h * w > kMax)
    throw BackendError(fmt::format("cudnn backend: tensor {}x{}x{}x{} has more than 2^31 elements, which cuDNN's "
                                   "4-d descriptors cannot describe; use a smaller batch",
                                   n, c, h, w));
  EXPT_CUDNN_CHECK(cudnnSetTensor4dDescriptor(desc, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, static_cast<int>(n),
                                              static_cast<int>(c), static_cast<int>(h), static_cast<int>(w)));
}

}  // namespace expt::cudnn
