#!/usr/bin/env python3
"""The folder rules of src/, read from its #include lines and CMakeLists.txt files.

  1. No cycle between the top-level folders of src/ (core, config, data, ...).
  2. A backend's internals (src/backends/<name>/...) are included only from that backend's own
     folder and from src/backends/ itself (the registry); everything else goes through
     backends/backend.hpp and backends/registry.hpp.
  3. A folder's CMake target links a target of every folder it includes, so the link order
     states the same dependencies as the code.

Usage: include_rules.py <src dir>. Prints each broken rule and exits 1; exits 0 when all hold.
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
ADD_TARGET = re.compile(r'add_(?:library|executable)\(\s*(\w+)')
LINK = re.compile(r'target_link_libraries\(\s*\w+([^)]*)\)')
SOURCES = ('.hpp', '.cpp', '.cu', '.h')


def owner(src, path):
    """The deepest folder at or above `path` that has a CMakeLists.txt: the target's folder."""
    folder = path if path.is_dir() else path.parent
    while folder != src and not (folder / 'CMakeLists.txt').exists():
        folder = folder.parent
    return folder


def targets(folder):
    text = (folder / 'CMakeLists.txt').read_text()
    defined = set(ADD_TARGET.findall(text))
    linked = {token for block in LINK.findall(text) for token in block.split()}
    return defined, linked


def find_cycle(graph):
    """One cycle as a list of folders [a, b, ..., a], or None."""
    state = {}  # absent: unvisited, 1: on the current path, 2: done
    path = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def check(src):
    errors = []
    graph = {}  # top-level folder -> folders it includes, with one example include each
    unlinked = set()  # (folder, included folder) pairs already reported
    for file in sorted(p for p in src.rglob('*') if p.suffix in SOURCES):
        rel = file.relative_to(src)
        if len(rel.parts) < 2:
            continue
        here = rel.parts[0]
        for included in INCLUDE.findall(file.read_text(errors='replace')):
            target = src / included
            if not target.exists():
                continue  # generated (tb_event.pb.h) or a system header
            there = pathlib.Path(included).parts[0]
            if there != here:
                graph.setdefault(here, {}).setdefault(there, f'{rel} includes "{included}"')

            parts = pathlib.Path(included).parts
            if parts[0] == 'backends' and len(parts) > 2:
                backend = src / 'backends' / parts[1]
                if file.parent != src / 'backends' and backend not in file.parents:
                    errors.append(f'{rel} includes "{included}": only backends/{parts[1]}/ and src/backends/ '
                                  'itself may include its internals (use backends/backend.hpp, backends/registry.hpp)')

            mine, theirs = owner(src, file), owner(src, target)
            if mine != theirs and (mine, theirs) not in unlinked:
                _, linked = targets(mine)
                defined, _ = targets(theirs)
                if not defined & linked:
                    unlinked.add((mine, theirs))
                    errors.append(f'{rel} includes "{included}" (and maybe more of {theirs.relative_to(src)}/), '
                                  f'but {mine.relative_to(src)}/CMakeLists.txt links none of {", ".join(sorted(defined))}')

    cycle = find_cycle({node: set(edges) for node, edges in graph.items()})
    if cycle:
        steps = [graph[a][b] for a, b in zip(cycle, cycle[1:])]
        errors.append('folder cycle ' + ' -> '.join(cycle) + ': ' + '; '.join(steps))
    return sorted(set(errors))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    errors = check(pathlib.Path(sys.argv[1]).resolve())
    for e in errors:
        print(e)
    if errors:
        print(f'{len(errors)} broken folder rule(s); see the rules at the top of {sys.argv[0]}')
        return 1
    print('folder rules hold')
    return 0


if __name__ == '__main__':
    sys.exit(main())
