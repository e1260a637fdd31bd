#!/usr/bin/env python3
"""include_rules.py must catch each broken rule: small src/ trees, each breaking one rule."""
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from include_rules import check  # noqa: E402

# A tree that keeps every rule: core <- layers <- backends (interface, one backend, registry).
CLEAN = {
    'core/CMakeLists.txt': 'add_library(expt_core a.cpp)\n',
    'core/shape.hpp': '',
    'layers/CMakeLists.txt': 'add_library(expt_layers a.cpp)\ntarget_link_libraries(expt_layers PUBLIC expt_core)\n',
    'layers/plan.hpp': '#include "core/shape.hpp"\n',
    'backends/CMakeLists.txt': 'add_library(expt_backends registry.cpp)\n'
                               'target_link_libraries(expt_backends PUBLIC expt_layers PRIVATE expt_backend_fast)\n',
    'backends/backend.hpp': '#include "layers/plan.hpp"\n',
    'backends/registry.cpp': '#include "backends/backend.hpp"\n#include "backends/fast/factory.hpp"\n',
    'backends/fast/CMakeLists.txt': 'add_library(expt_backend_fast a.cpp)\n'
                                    'target_link_libraries(expt_backend_fast PUBLIC expt_backends expt_layers)\n',
    'backends/fast/factory.hpp': '#include "backends/backend.hpp"\n#include "backends/fast/kernel.hpp"\n',
    'backends/fast/kernel.hpp': '',
}


# An application folder above the backends, for the rule on backend internals.
CLI = {
    'cli/CMakeLists.txt': 'add_executable(expt main.cpp)\ntarget_link_libraries(expt PRIVATE expt_backends)\n',
    'cli/main.cpp': '#include "backends/backend.hpp"\n',
}


def errors_of(changes):
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp)
        for name, text in {**CLEAN, **changes}.items():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_text(text)
        return check(src)


def expect(what, changes, *fragments):
    errors = errors_of(changes)
    found = [e for e in errors if all(f in e for f in fragments)]
    if len(errors) != 1 or not found:
        print(f'FAIL {what}: expected one error with {fragments}, got {errors}')
        return False
    print(f'ok   {what}: {errors[0]}')
    return True


def main():
    clean = errors_of(CLI)
    print(f'{"FAIL" if clean else "ok  "} clean tree: {clean or "no error"}')
    results = [
        not clean,
        expect('folder cycle', {
            'core/shape.hpp': '#include "layers/plan.hpp"\n',
            'core/CMakeLists.txt': 'add_library(expt_core a.cpp)\ntarget_link_libraries(expt_core expt_layers)\n',
        }, 'folder cycle', 'core/shape.hpp includes "layers/plan.hpp"'),
        expect('backend internals from outside src/backends', {
            **CLI,
            'cli/CMakeLists.txt': CLI['cli/CMakeLists.txt'] + 'target_link_libraries(expt PRIVATE expt_backend_fast)\n',
            'cli/main.cpp': '#include "backends/fast/kernel.hpp"\n',
        }, 'cli/main.cpp', 'only backends/fast/'),
        expect('an include without its link', {
            'layers/CMakeLists.txt': 'add_library(expt_layers a.cpp)\n',
        }, 'layers/plan.hpp', 'links none of expt_core'),
    ]
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
