#pragma once
// The config schema as data: one table per section, layer type, initializer, optimizer and
// schedule. Parsing validates every key against these tables (type, range, allowed values),
// docs/config.md carries them verbatim (a test compares), and `expt schema` can print them.
// The layer types' tables come from their descriptors (src/layers/kinds/).
#include <string>
#include <string_view>
#include <vector>

#include "core/schema_key.hpp"

namespace expt::config {

const std::vector<SchemaTable>& schema_tables();
const SchemaTable& schema_table(std::string_view id);  // throws std::logic_error for an unknown id

// One table as Markdown: its heading, paragraph and key table. docs/config.md holds these verbatim.
std::string schema_markdown(const SchemaTable&);

}  // namespace expt::config
