// Pitfall 1 of shared/notes/onednn-2.6.md: oneDNN 2.6 silently falls back to `ref`
// implementations (about 1000x slower) for some layout combinations. The seed-like network must
// get optimised kernels for every primitive, and the backend must refuse ref convolutions.
#include <doctest/doctest.h>

#include "backends/onednn/factory.hpp"
#include "backends/onednn/introspection.hpp"
#include "parity.hpp"

namespace expt::onednn_test {

TEST_CASE("the seed-like network builds no ref primitive (pitfall 1)") {
  // The seed network's layer stack at a quarter of its resolution.
  const auto layers =
      named({conv(32, 3, 1, Padding::same, Activation::relu), conv(32, 3, 1, Padding::same, Activation::relu),
             pool(LayerKind::max_pool, 2, 2, 2, 2, Padding::same), conv(64, 3, 1, Padding::same, Activation::relu),
             conv(64, 3, 1, Padding::same, Activation::relu), pool(LayerKind::max_pool, 2, 2, 2, 2, Padding::same),
             dense(512, Activation::relu), simple(LayerKind::dropout, 0.5), dense(2)});
  for (const char* precision : {"fp32", "bf16"}) {
    CAPTURE(precision);
    NetworkOptions options;
    options.max_batch = 10;
    options.precision = precision;
    const NetworkPlan plan = plan_network(layers, Shape{3, 56, 56}, 2);
    auto net = make_onednn_backend()->build(plan, options);
    const Batch batch = random_batch(plan, 7, 3);
    net->forward(batch.host(7), Phase::train, 0);  // builds the pass for batch 7 as well
    net->backward();

    const auto& primitives = onednn::primitive_implementations(*net);
    int convolutions = 0, inner_products = 0;
    for (const auto& p : primitives) {
      INFO(p.layer << " " << p.primitive << ": " << p.implementation);
      CHECK(p.implementation.find("ref") == std::string::npos);
      convolutions += p.primitive.find("convolution") != std::string::npos;
      inner_products += p.primitive.find("inner product") != std::string::npos;
    }
    CHECK(convolutions == 2 * 4 * 3);  // two batch sizes, four layers, three directions
    CHECK(inner_products == 2 * 2 * 3);
  }
}

}  // namespace expt::onednn_test
