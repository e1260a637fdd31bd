// `${dotted.path}` references between keys of one document, resolved after overrides so an
// override of the target reaches every key that refers to it.
#include <fmt/format.h>

#include "config/document.hpp"
#include "config/nearest.hpp"
#include "core/error.hpp"
#include "core/quote.hpp"

namespace expt::config {

namespace {

class Interpolator {
 public:
  explicit Interpolator(const ConfigDocument& doc) : doc_(doc) {}

  // Resolves every reference inside `node`, which sits at `path`.
  void resolve(YAML::Node node, const std::string& path) {
    if (++visits_ > DocumentLimits::max_resolve_visits)
      throw ConfigError(fmt::format("too many references at {} ({}): resolving them visits more than {} values "
                                    "(references that repeat each other?)",
                                    path, doc_.locate(node), DocumentLimits::max_resolve_visits));
    if (node.IsScalar() && node.Scalar().find("${") == std::string::npos) return;
    for (const auto& [busy, busy_path] : in_progress_)
      if (node.is(busy)) throw cycle(node, path, busy_path);
    in_progress_.emplace_back(node, path);
    if (node.IsMap()) {
      for (auto kv : node) resolve(kv.second, path.empty() ? kv.first.Scalar() : path + "." + kv.first.Scalar());
    } else if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) resolve(node[i], fmt::format("{}[{}]", path, i));
    } else if (node.IsScalar()) {
      substitute(node, path);
    }
    in_progress_.pop_back();
  }

 private:
  void substitute(YAML::Node& node, const std::string& path) {
    const std::string text = node.Scalar();
    std::string out;
    size_t pos = 0;
    while (true) {
      const size_t open = text.find("${", pos);
      if (open == std::string::npos) break;
      const size_t close = text.find('}', open);
      if (close == std::string::npos)
        throw ConfigError(fmt::format("unclosed reference at {} ({}): {} has '${{' without '}}'", path,
                                      doc_.locate(node), quote_value(text)));
      const std::string reference = text.substr(open + 2, close - open - 2);
      const YAML::Node target = lookup(reference, node, path);
      resolve(target, reference);
      if (open == 0 && close + 1 == text.size()) {
        // The whole value is one reference: take the target's value, list or map included.
        // A scalar is copied into this node so errors about it still point here.
        if (target.IsScalar())
          node = target.Scalar();
        else
          node = target;
        return;
      }
      if (!target.IsScalar())
        throw ConfigError(fmt::format("reference ${{{}}} inside text at {} ({}): the target is not a single value",
                                      reference, path, doc_.locate(node)));
      out += text.substr(pos, open - pos) + target.Scalar();
      pos = close + 1;
      check_spliced(out, target.Scalar().size(), node, path);
    }
    node = out + text.substr(pos);
  }

  // References inside text can double a value at each level: bound each value and the total.
  void check_spliced(const std::string& out, size_t added, const YAML::Node& node, const std::string& path) {
    spliced_bytes_ += added;
    if (out.size() > DocumentLimits::max_scalar_bytes || spliced_bytes_ > DocumentLimits::max_spliced_bytes)
      throw ConfigError(fmt::format("references expand too far at {} ({}): a value may grow to {} bytes and all "
                                    "values together to {} (references that repeat each other?)",
                                    path, doc_.locate(node), DocumentLimits::max_scalar_bytes,
                                    DocumentLimits::max_spliced_bytes));
  }

  YAML::Node lookup(const std::string& reference, const YAML::Node& from, const std::string& path) const {
    const std::vector<std::string> segments = split_key_path(reference);
    YAML::Node current;
    current.reset(doc_.root());
    std::string walked;
    for (const auto& segment : segments) {
      YAML::Node child = find_child(current, segment);
      if (!child.IsDefined())
        throw ConfigError(fmt::format("unknown reference ${{{}}} at {} ({}): {} has no key '{}'{}", reference, path,
                                      doc_.locate(from), walked.empty() ? "the document" : walked, segment,
                                      suggestion(segment, child_names(current))));
      walked += (walked.empty() ? "" : ".") + segment;
      current.reset(child);
    }
    return current;
  }

  ConfigError cycle(const YAML::Node& node, const std::string& path, const std::string& start) const {
    std::string chain;
    bool in_cycle = false;
    for (const auto& [busy, busy_path] : in_progress_) {
      in_cycle = in_cycle || busy_path == start;
      if (in_cycle) chain += busy_path + " -> ";
    }
    return ConfigError(fmt::format("reference cycle at {} ({}): {}{}", path, doc_.locate(node), chain, path));
  }

  const ConfigDocument& doc_;
  std::vector<std::pair<YAML::Node, std::string>> in_progress_;
  size_t visits_ = 0;
  size_t spliced_bytes_ = 0;
};

}  // namespace

void ConfigDocument::interpolate() {
  Interpolator(*this).resolve(root_, "");
  check_expanded_size(root_);  // a reference to a map shares it: the tree may have grown like an alias bomb
}

}  // namespace expt::config
