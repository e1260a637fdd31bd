#pragma once
// Building an ONNX graph (Debian libonnx-dev's onnx.proto, compiled by protoc here) one node at
// a time: tensor names in, a tensor name out, initializers for the weights and constants.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "onnx.pb.h"

namespace expt::onnx_export {

// The opset of ONNX 1.12 (Debian 12's) and the IR version that goes with it.
constexpr int64_t kOpsetVersion = 17;
constexpr int64_t kIrVersion = 8;

struct Attribute {
  std::string name;
  std::variant<int64_t, float, std::vector<int64_t>> value;
};

class GraphBuilder {
 public:
  explicit GraphBuilder(onnx::GraphProto& graph) : graph_(graph) {}

  // Adds `op` reading `inputs` and returns its output's name, `output` ("" is allowed for
  // optional inputs, as ONNX spells an omitted one).
  std::string node(const std::string& op, std::vector<std::string> inputs, const std::string& output,
                   std::vector<Attribute> attributes = {});

  // A float32 initializer named `name` holding `values` of shape `dims`.
  void initializer(const std::string& name, std::span<const float> values, const std::vector<int64_t>& dims);
  void initializer(const std::string& name, std::span<const int64_t> values, const std::vector<int64_t>& dims);
  // A float32 scalar initializer, created once per value; returns its name.
  std::string scalar(float value);

  // A graph input or output of float32 values: `dims` with -1 for the symbolic batch dimension.
  static void describe(onnx::ValueInfoProto& value, const std::string& name, const std::vector<int64_t>& dims);

 private:
  onnx::GraphProto& graph_;
  std::map<float, std::string> scalars_;
};

}  // namespace expt::onnx_export
