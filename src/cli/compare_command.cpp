#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.hpp"
#include "compare/comparison.hpp"
#include "compare/render.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace expt::cli {
namespace {

// --output report.html without --format: the extension says which.
CompareFormat format_for(const std::string& format, const std::filesystem::path& output) {
  if (!format.empty()) return parse_compare_format(format);
  const std::string ext = output.extension().string();
  if (ext == ".html" || ext == ".htm") return CompareFormat::html;
  if (ext == ".md") return CompareFormat::markdown;
  if (ext == ".csv") return CompareFormat::csv;
  if (ext == ".json") return CompareFormat::json;
  return CompareFormat::table;
}

}  // namespace

void add_compare_command(CLI::App& app) {
  struct Args {
    std::vector<std::string> paths;
    CompareOptions options;
    std::string format;
    std::string output;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("compare", "Compare runs and sweeps: what differs, mean ± std over seeds, confidence intervals");
  cmd->add_option("paths", args->paths, "run folders, sweep folders or results/ trees (every report.json below)")->required();
  cmd->add_option("--metric", args->options.metric, "sort by this metric, best first (default final_test_accuracy)");
  cmd->add_option("--filter", args->options.filters, "keep runs whose config has key=value (also status=completed); repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--group-by", args->options.group_by, "group runs by this config key instead of every differing key; repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--format", args->format, "table, markdown, csv, json or html (default: from --output, else table)");
  cmd->add_option("-o,--output", args->output, "write here (atomically) instead of to standard output");
  cmd->callback([args] {
    const CompareFormat format = format_for(args->format, args->output);
    std::vector<std::filesystem::path> paths(args->paths.begin(), args->paths.end());
    LoadedRuns loaded = load_runs(paths);
    for (const auto& w : loaded.warnings) fmt::print(stderr, "{}\n", w);
    if (loaded.runs.empty())
      throw Error(ExitCode::usage, fmt::format("no readable report.json under {}", fmt::join(args->paths, ", ")));
    const Comparison comparison = compare_runs(std::move(loaded.runs), args->options);
    for (const auto& w : comparison.warnings) fmt::print(stderr, "{}\n", w);
    const std::string text = render_comparison(comparison, format);
    if (args->output.empty()) {
      fmt::print("{}", text);
    } else {
      write_file_atomically(args->output, text);
      fmt::print(stderr, "wrote {}\n", args->output);
    }
  });
}

}  // namespace expt::cli
