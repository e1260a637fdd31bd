#pragma once
// `expt export --onnx`: a trained run's inference graph as an ONNX model (opset 17, ONNX 1.12).
//
// The graph takes `pixels`, float32 [batch, C, H, W] holding the 0..255 pixel values in the
// run's channel order, size and resize rule (what `expt predict` decodes), subtracts the run's
// normalisation (normalization.safetensors) and returns `logits`, float32 [batch, classes],
// before any softmax. Dropout is left out, batch norm uses its running statistics, fused
// activations are separate nodes, `same` padding is explicit pads, and dense layers flatten
// NCHW then Gemm with the PyTorch-layout weight (transB = 1).
#include <filesystem>
#include <string>

#include "experiment/trained_run.hpp"

namespace expt {

// The serialized ModelProto. Throws ConfigError naming a layer whose kind has no ONNX export,
// and ReadError naming the checkpoint when a weight is missing or has the wrong shape.
std::string onnx_model_bytes(const TrainedRun& run);

// onnx_model_bytes written to `path` atomically.
void export_onnx(const TrainedRun& run, const std::filesystem::path& path);

}  // namespace expt
