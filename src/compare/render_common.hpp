#pragma once
// Pieces every output format shares, so the table, Markdown and HTML say the same thing.
#include <string>
#include <vector>

#include "compare/comparison.hpp"

namespace expt::render {

// Header row: the group keys, n, one column per metric, status.
std::vector<std::string> header(const Comparison& c);
// "0.8712 ± 0.0031" for a group of several runs, "0.8712" for one.
std::vector<std::string> row(const RunGroup& group);

std::string signed_value(const Metric& metric, double value);  // "+0.0132", "-12.3s"
// "training.dropout=true vs false" or, when the groups differ in several keys, both labels.
std::string title(const Comparison& c, const GroupDifference& d);
// "+0.0132, 95% CI [+0.0051, +0.0213] (Welch t=4.21, df=3.8, p=0.014)".
std::string interval(const Comparison& c, const MetricDifference& m);
// "real: the interval excludes 0" or why it cannot be said.
std::string verdict(const Comparison& c, const GroupDifference& d, const MetricDifference& m);
// "training.optimizer.learning_rate=10: every run diverged, so it is not compared", one per such group.
std::vector<std::string> diverged_notes(const Comparison& c);
std::string footnote(const Comparison& c);

}  // namespace expt::render
