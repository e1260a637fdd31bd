#pragma once
// Histograms bucketed as TensorFlow's default histogram does (tf.summary.histogram v1, which
// TensorBoard's Histograms and Distributions dashboards were built around): bucket edges at
// 0 and +-1e-12 * 1.1^k up to 1e20, closed by +-DBL_MAX; a value v falls in the first bucket
// whose limit is > v; runs of empty buckets are merged into one.
#include <span>
#include <vector>

#include "tb_summary.pb.h"

namespace expt {

// The upper limits of the default buckets, increasing; the first bucket starts at -infinity.
const std::vector<double>& default_bucket_limits();

// NaN and infinities are left out: no bucket holds them and they would make sum and
// sum_squares meaningless (a run that produces them is reported as diverged anyway).
tb::HistogramProto make_histogram(std::span<const float> values);

}  // namespace expt
