#pragma once
// The HTML page's view of a search: the best result found so far against the compute spent on
// it, and, for a random search, each swept numeric key against the metric.
#include <string>

#include "compare/comparison.hpp"
#include "compare/svg_chart.hpp"

namespace expt {

// Best value of the sort metric so far (y) against epochs trained (x), summed over the runs in
// the order they finished (a pruned or early-stopped run counts the epochs it trained; a
// diverged one its epochs but no value).
ChartSeries best_so_far(const Comparison& c);
// Its chart; empty under two runs.
std::string best_so_far_chart(const Comparison& c);

// One scatter chart per config key that varies between runs and is a number in all of them
// with more than three distinct values (the draws of a random search): the key against the sort
// metric, one dot per run. Empty when there is no such key.
std::string numeric_key_charts(const Comparison& c);

}  // namespace expt
