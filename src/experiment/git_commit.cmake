# cmake -DSOURCE_DIR=<checkout> -DOUTPUT=<file.cpp> -P git_commit.cmake
# Writes OUTPUT, defining expt::git_commit() (git_commit.hpp) as the commit SOURCE_DIR is at.
# Run at every build, so report.json never names a commit older than the binary. OUTPUT is
# rewritten only when its text changes, so an unchanged commit recompiles nothing.
set(commit "")
find_program(GIT git)
if(GIT)
  execute_process(COMMAND ${GIT} rev-parse --short=12 HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                  RESULT_VARIABLE failed OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(failed)  # not a git checkout: empty, as the report documents
    set(commit "")
  else()
    # "-dirty": a binary built from uncommitted changes would otherwise claim a commit that does
    # not reproduce its results. Untracked files do not count, as in `git describe --dirty`.
    # --no-optional-locks: never take index.lock, which would make a git command run at the same
    # time (a commit during a build) fail.
    execute_process(COMMAND ${GIT} --no-optional-locks status --porcelain --untracked-files=no
                    WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE changes ERROR_QUIET)
    if(NOT changes STREQUAL "")
      string(APPEND commit "-dirty")
    endif()
  endif()
endif()

string(CONCAT text "// Written by src/experiment/git_commit.cmake at every build.\n"
            "#include \"experiment/git_commit.hpp\"\n\n"
            "const char* expt::git_commit() { return \"${commit}\"; }\n")
set(old "")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUTPUT} "${text}")
endif()
