// Weight copies (weight_copy.hpp): the value in the layout a primitive reads, written by the
// optimizer instead of a reorder each step. The writers must give oneDNN's reorder bit for bit,
// padding included; a network whose optimizer wrote its copies must compute what a network
// built from the same parameters computes with oneDNN's reorders, also after a write of the
// value. On AVX-512 fp32 layouts need no copies: test_onednn_as_avx2 (CMakeLists.txt) runs
// these cases under AVX2's layouts too.
#include <cstring>
#include <random>

#include "backends/onednn/introspection.hpp"
#include "backends/onednn/layouts.hpp"
#include "backends/onednn/weight_copy.hpp"
#include "cpu_requirements.hpp"
#include "parity.hpp"

namespace expt::onednn_test {

namespace {

using dnnl::memory;
using tag = memory::format_tag;

// The master in `master_tag` holding random values (padding zero, as oneDNN's reorder leaves it),
// the copy in `copy_tag` written piece by piece by the optimizer's writer, and oneDNN's reorder
// of the master into that layout: the same bytes.
void check_mapped_writer(VectorIsa isa, const memory::dims& dims, tag master_tag, memory::data_type copy_type,
                         tag copy_tag) {
  CAPTURE(static_cast<int>(copy_type));
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  const memory::desc plain = onednn::plain_desc(dims);
  std::vector<float> values(plain.get_size() / sizeof(float));
  std::mt19937 random(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& v : values) v = normal(random);
  memory master({dims, memory::data_type::f32, master_tag}, engine);
  onednn::reorder_now(engine, memory(plain, engine, values.data()), master);

  const memory::desc copy_desc(dims, copy_type, copy_tag);
  memory written(copy_desc, engine), reordered(copy_desc, engine);
  std::memset(written.get_data_handle(), 0xA5, copy_desc.get_size());  // padding must be written too
  onednn::WeightCopy copy(master.get_desc(), written, /*trained=*/true);
  REQUIRE(copy.written_by_optimizer(copy_desc));
  const int64_t elements = copy.mapped_elements(), piece = 100;  // pieces that cut through blocks
  for (int64_t begin = 0; begin < elements; begin += piece)
    copy.write_mapped(isa, static_cast<const float*>(master.get_data_handle()), begin, std::min(piece, elements - begin));
  onednn::reorder_now(engine, master, reordered);
  CHECK(std::memcmp(written.get_data_handle(), reordered.get_data_handle(), copy_desc.get_size()) == 0);
}

void check_writers(VectorIsa isa) {
  if (const std::string why = kernel_path_missing(isa); !why.empty()) {
    MESSAGE(why);
    return;
  }
  constexpr auto f32 = memory::data_type::f32, bf16 = memory::data_type::bf16;
  // AVX2 convolutions: forward ABcd8b8a, backward-data ABcd8a8b; channels that pad both blocks.
  check_mapped_writer(isa, {12, 20, 3, 3}, tag::ABcd8b8a, f32, tag::ABcd8a8b);
  // A small dense layer's weights, transposed.
  check_mapped_writer(isa, {10, 33}, tag::ba, f32, tag::ab);
  // bf16 convolutions on AVX-512: fp32 master weights, bf16 copies with pairs interleaved.
  check_mapped_writer(isa, {24, 20, 3, 3}, tag::ABcd16b16a, bf16, tag::ABcd8b16a2b);
  check_mapped_writer(isa, {24, 20, 3, 3}, tag::ABcd16b16a, bf16, tag::ABcd8a16b2a);
}

// A network with copies on AVX2 (fp32: each convolution's backward-data weights) and on AVX-512
// in bf16 (every weight's forward copy and the convolutions' backward-data copies).
std::vector<LayerSpec> small_convnet() {
  return named({conv(16, 3, 1, Padding::same, Activation::relu), conv(24, 3, 1, Padding::same, Activation::relu),
                pool(LayerKind::max_pool, 2, 2, 2, 2, Padding::valid), dense(5)});
}

int optimizer_written_copies(const Network& net) {
  int copies = 0;
  for (const onednn::PrimitiveInfo& p : onednn::primitive_implementations(net))
    copies += p.primitive.find("weights copy") != std::string::npos &&
              p.implementation.find("in the optimizer") != std::string::npos;
  return copies;
}

// The logits, every gradient and the input gradient of one training step.
std::vector<std::vector<float>> step_outputs(Network& net, const NetworkPlan& plan, const Batch& batch, int64_t n) {
  net.forward(batch.host(n), Phase::train, 9);
  std::vector<std::vector<float>> out{read_activation(net, plan.layers.size() - 1, n)};
  net.backward();
  for (size_t i = 0; i < plan.params.size(); ++i) out.push_back(read_grad(net, i));
  out.push_back(read_input_gradient(net, n));
  return out;
}

// The trained network against a fresh one given its parameters (whose copies oneDNN's reorders
// make): the same bits.
void check_same_as_fresh(Network& trained, const NetworkPlan& plan, const NetworkOptions& options, uint32_t seed) {
  const auto fresh = make_onednn_backend()->build(plan, options);
  for (size_t i = 0; i < plan.params.size(); ++i) fresh->write_parameter(i, read_param(trained, i));
  const Batch probe = random_batch(plan, 4, seed);
  CHECK(step_outputs(trained, plan, probe, 4) == step_outputs(*fresh, plan, probe, 4));
}

void check_network(Precision precision) {
  CAPTURE(name_of(precision_names, precision));
  NetworkOptions options;
  options.precision = precision;
  options.max_batch = 4;
  options.optimizer.kind = OptimizerConfig::Kind::adam;
  const NetworkPlan plan = plan_network(small_convnet(), Shape{3, 8, 8}, 5);
  const auto net = make_onednn_backend()->build(plan, options);
  const int copies = optimizer_written_copies(*net);
  if (copies == 0) {
    MESSAGE("skipped: oneDNN at " << onednn::effective_isa_name() << " reads these weights in their own layout");
    return;
  }
  MESSAGE(copies << " weight copies written by the optimizer at " << onednn::effective_isa_name());
  for (uint64_t step = 0; step < 3; ++step) {
    const Batch batch = random_batch(plan, 4, 60 + static_cast<uint32_t>(step));
    net->forward(batch.host(4), Phase::train, step);
    net->backward();
    net->update(1e-2, step + 1);
  }
  check_same_as_fresh(*net, plan, options, 70);
  // A written value makes the copies stale, also between a forward and its backward: the next
  // step makes them again.
  const Batch batch = random_batch(plan, 4, 64);
  net->forward(batch.host(4), Phase::train, 3);
  for (size_t i = 0; i < plan.params.size(); ++i) {
    std::vector<float> halved = read_param(*net, i);
    for (float& w : halved) w *= 0.5f;
    net->write_parameter(i, halved);
  }
  net->backward();
  check_same_as_fresh(*net, plan, options, 71);
}

}  // namespace

TEST_CASE("weight copies: the scalar writers give oneDNN's reorder") { check_writers(VectorIsa::scalar); }
TEST_CASE("[avx2] weight copies: the AVX2 writers give oneDNN's reorder") { check_writers(VectorIsa::avx2); }
TEST_CASE("[avx512_core] weight copies: the AVX-512 writers give oneDNN's reorder") {
  check_writers(VectorIsa::avx512);
}

TEST_CASE("weight copies: what a copy holds") {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  const memory::desc master({16, 16, 3, 3}, memory::data_type::f32, tag::ABcd8b8a);
  const memory::desc other({16, 16, 3, 3}, memory::data_type::f32, tag::ABcd8a8b);
  memory buffer(other, engine);
  onednn::WeightCopy copy(master, buffer, /*trained=*/true);
  CHECK_FALSE(copy.holds(other));  // nothing written yet
  copy.now_holds(other);
  CHECK(copy.holds(other));
  CHECK_FALSE(copy.holds(master));  // the buffer has one layout at a time
  copy.stale();
  CHECK_FALSE(copy.holds(other));
  copy.after_update();  // the optimizer wrote it
  CHECK(copy.holds(other));
  // Too large for a map: the layer reorders, and an update makes the copy stale.
  const memory::desc big({1, onednn::WeightCopy::kMaxMappedFloats + 16}, memory::data_type::f32, tag::ab);
  memory big_buffer(memory::desc(big.dims(), memory::data_type::f32, tag::ba), engine);
  onednn::WeightCopy unmapped(big, big_buffer, /*trained=*/true);
  CHECK_FALSE(unmapped.written_by_optimizer(big_buffer.get_desc()));
  unmapped.now_holds(big_buffer.get_desc());
  unmapped.after_update();
  CHECK_FALSE(unmapped.holds(big_buffer.get_desc()));
  // A frozen value's copy is made once by a reorder, and nothing writes it after.
  onednn::WeightCopy frozen(master, buffer, /*trained=*/false);
  CHECK_FALSE(frozen.written_by_optimizer(other));
}

TEST_CASE("weight copies the optimizer writes give the steps oneDNN's reorders give (fp32)") {
  check_network(Precision::fp32);
}

TEST_CASE("[avx512_core] weight copies the optimizer writes give the steps oneDNN's reorders give (bf16)") {
  if (const std::string why = avx512_core_missing(); !why.empty()) {
    MESSAGE(why);
    return;
  }
  check_network(Precision::bf16);
}

}  // namespace expt::onednn_test
