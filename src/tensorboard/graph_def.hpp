#pragma once
// The layer stack as a GraphDef for the Graphs dashboard: one name scope per layer holding its
// parameters (weight, bias) and operations (Conv2D, BiasAdd, Relu, ...), wired input to output
// and ending in the loss, with each operation's output shape ([-1, C, H, W], -1 the batch) on
// its edges.
#include "layers/network_plan.hpp"
#include "tb_graph.pb.h"

namespace expt {

tb::GraphDef make_graph_def(const NetworkPlan& plan);

}  // namespace expt
