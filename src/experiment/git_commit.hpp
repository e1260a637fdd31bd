#pragma once

namespace expt {

// The commit the binary was built from (`git rev-parse --short=12 HEAD`, with "-dirty" when
// tracked files had uncommitted changes); empty outside a git checkout or without git.
// Defined in a source that src/experiment/git_commit.cmake writes at every build.
const char* git_commit();

}  // namespace expt
