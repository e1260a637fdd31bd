#pragma once
// The Network of the cudnn backend: parameters, gradients, optimizer state and activations
// all live on one GPU (NetworkOptions::gpu); the host sees them only through the read_/write_
// copies, in PyTorch's layouts, which are also the layouts kept on the device.
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "backends/cudnn/device_allocator.hpp"
#include "backends/cudnn/device_resources.hpp"
#include "backends/cudnn/layer.hpp"

namespace expt::cudnn {

class CudnnNetwork final : public Network {
 public:
  // Throws BackendError when the batch does not fit (naming the layer, the bytes and the largest
  // batch that fits) or a library call fails.
  CudnnNetwork(const NetworkPlan& plan, const NetworkOptions& options, const std::string& device_name);
  ~CudnnNetwork() override;

  BatchMetrics forward(const HostBatch& batch, Phase phase, uint64_t step) override;
  void backward() override;
  void update(double learning_rate, uint64_t t) override;

  // Copies on the network's stream, waited for before returning (the layouts are canonical).
  void read(const TensorRef& tensor, std::span<float> out) const override;
  void write(const TensorRef& tensor, std::span<const float> in) override;

  int64_t memory_bytes() const override { return allocator_.total_bytes(); }

 private:
  struct ParameterStorage {
    int64_t size = 0;
    DeviceBuffer value, grad;
    DeviceBuffer state[2];  // momentum: velocity; adam/adamw: m, v
  };

  void activate_device() const;
  void check_fits_in_memory(const std::string& device_name);
  void allocate_buffers();
  void create_layers();
  void choose_convolution_algorithms();
  const float* layer_input(size_t layer) const;  // its (first) input
  const float* output_of(int source) const;       // a layer's output, or the input batch
  float* layer_output(size_t layer) const;
  void backward_chain();  // a plain stack: two gradient buffers, alternating
  void backward_graph();  // branches: one gradient buffer per layer, summed over its readers
  // Adds `dx` (count floats) into the gradient of `source`'s output, or copies it there first.
  void pass_gradient(int source, const float* dx, int64_t count);
  const ParameterStorage& parameter(size_t index) const;
  const DeviceBuffer& optimizer_state(size_t index, int slot) const;
  void copy_to_host(const void* device, std::span<float> out, int64_t expected, const std::string& what) const;
  void copy_to_device(void* device, std::span<const float> in, int64_t expected, const std::string& what);
  template <typename Work>
  void timed(double& milliseconds, Work&& work);

  NetworkOptions options_;
  int device_ = 0;
  DeviceAllocator allocator_;
  StreamHandle stream_;
  CudnnHandle cudnn_;
  CublasHandle cublas_;
  GpuContext ctx_;

  std::vector<ParameterStorage> params_;
  DeviceBuffer input_, input_grad_, labels_;
  std::vector<DeviceBuffer> outputs_;  // per layer; empty where the output aliases the input
  DeviceBuffer grad_a_, grad_b_;       // ping-pong gradients between layers; forward scratch
  // With branches (NetworkPlan::is_chain() false): per layer, d(loss)/d(output), and whether a
  // reader has written it during the current backward.
  std::vector<DeviceBuffer> output_grads_;
  std::vector<bool> gradient_written_;
  bool input_gradient_written_ = false;
  DeviceBuffer dlogits_, sample_loss_, sample_correct_, ones_;
  DeviceBuffer workspace_;
  std::vector<std::unique_ptr<GpuLayer>> layers_;

  // With frozen layers backward stops at the lowest trained layer (NetworkPlan::first_trained_layer),
  // which computes no data gradient; below it nothing trains. 0 without frozen layers: backward
  // reaches the input, whose gradient the parity tests compare.
  size_t backward_stop_ = 0;
  bool data_gradient_needed(size_t layer) const { return backward_stop_ == 0 || layer > backward_stop_; }
  int64_t batch_ = 0;                 // n of the last forward
  bool backward_allowed_ = false;     // the last forward was a training one
  bool input_gradient_valid_ = false;
};

}  // namespace expt::cudnn
