#pragma once
// What TensorBoard's HParams dashboard shows of a sweep: the config keys its members differ in,
// not the dozens every member shares. Each member's session lists those keys with its values,
// and the sweep root holds the experiment summary naming them with every value tried.
#include <filesystem>
#include <string_view>

#include "config/flatten_config.hpp"
#include "sweep/expand.hpp"
#include "sweep/manifest.hpp"

namespace expt {

// The member's config keys (as flatten_config names them) that not every member shares, with
// its values. `threads` is not one: it says how fast a member ran, not what it was.
FlatConfig varied_config(const FlatConfig& common, std::string_view resolved_yaml);

// Writes `<sweep dir>/events.out.tfevents.sweep-hparams` atomically, replacing the previous one:
// the keys the members vary, each with the values they take, and the run metrics. Throws IoError.
void write_sweep_hparams_summary(const SweepPlan& plan, const Manifest& manifest);

}  // namespace expt
