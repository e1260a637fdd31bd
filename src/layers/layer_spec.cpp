#include "layers/layer_names.hpp"

namespace expt {

// The names are string literals, so their views are null-terminated.
const char* to_string(Padding p) { return name_of(padding_names, p).data(); }

}  // namespace expt
