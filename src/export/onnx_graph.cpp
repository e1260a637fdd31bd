#include "export/onnx_graph.hpp"

#include <cstring>

#include <fmt/format.h>

#include "core/overloaded.hpp"

namespace expt::onnx_export {
namespace {

void set_attribute(onnx::AttributeProto& a, const Attribute& from) {
  a.set_name(from.name);
  std::visit(overloaded{
                 [&](int64_t v) {
                   a.set_type(onnx::AttributeProto::INT);
                   a.set_i(v);
                 },
                 [&](float v) {
                   a.set_type(onnx::AttributeProto::FLOAT);
                   a.set_f(v);
                 },
                 [&](const std::vector<int64_t>& v) {
                   a.set_type(onnx::AttributeProto::INTS);
                   for (int64_t x : v) a.add_ints(x);
                 },
             },
             from.value);
}

// Raw little-endian data, as ONNX stores it in raw_data (x86-64 is little-endian).
template <class T>
void fill_tensor(onnx::TensorProto& t, const std::string& name, std::span<const T> values,
                 const std::vector<int64_t>& dims, onnx::TensorProto::DataType type) {
  t.set_name(name);
  t.set_data_type(type);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size_bytes()));
}

}  // namespace

std::string GraphBuilder::node(const std::string& op, std::vector<std::string> inputs, const std::string& output,
                               std::vector<Attribute> attributes) {
  onnx::NodeProto& n = *graph_.add_node();
  n.set_op_type(op);
  n.set_name(output);
  for (const std::string& in : inputs) n.add_input(in);
  n.add_output(output);
  for (const Attribute& a : attributes) set_attribute(*n.add_attribute(), a);
  return output;
}

void GraphBuilder::initializer(const std::string& name, std::span<const float> values,
                               const std::vector<int64_t>& dims) {
  fill_tensor(*graph_.add_initializer(), name, values, dims, onnx::TensorProto::FLOAT);
}

void GraphBuilder::initializer(const std::string& name, std::span<const int64_t> values,
                               const std::vector<int64_t>& dims) {
  fill_tensor(*graph_.add_initializer(), name, values, dims, onnx::TensorProto::INT64);
}

std::string GraphBuilder::scalar(float value) {
  const auto found = scalars_.find(value);
  if (found != scalars_.end()) return found->second;
  const std::string name = fmt::format("constant.{}", scalars_.size());
  initializer(name, std::span(&value, 1), {});
  scalars_.emplace(value, name);
  return name;
}

void GraphBuilder::describe(onnx::ValueInfoProto& value, const std::string& name, const std::vector<int64_t>& dims) {
  value.set_name(name);
  onnx::TypeProto::Tensor& tensor = *value.mutable_type()->mutable_tensor_type();
  tensor.set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) {
    onnx::TensorShapeProto::Dimension& dim = *tensor.mutable_shape()->add_dim();
    if (d < 0)
      dim.set_dim_param("batch");
    else
      dim.set_dim_value(d);
  }
}

}  // namespace expt::onnx_export
