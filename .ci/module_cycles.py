#!/usr/bin/env python3
"""Fails on a module cycle in a crate's `src/`.

Usage: module_cycles.py CRATE_ROOT_FILE... (default: src/lib.rs cli/src/main.rs)

Builds each crate's module graph from its source: a module is a file (`a.rs` or
`a/mod.rs` is `a`, `a/b.rs` is `a::b`, the root file is `crate`); an edge A -> B is
a path in A's code that names something in B: `crate::...` (the longest prefix that is
a module; an item of the root re-exported with `pub use m::Item` counts as `m`),
`super::...`, `self::...`, and in a crate root the paths that start with one of its own
`mod`s. Comments, `$crate` in macros and `#[cfg(test)] mod tests` blocks (which may look
anywhere) are left out. Exits 1 naming every cycle, 0 when the graph has none.
"""

import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_comments(text):
    # Line comments (doc comments included) and block comments; strings are rare
    # enough in `use` positions that they are not parsed.
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return "\n".join(re.sub(r"//.*$", "", line) for line in text.split("\n"))


def strip_test_modules(text):
    """Drops `#[cfg(test)] mod NAME { ... }` blocks (brace-matched)."""
    out = []
    i = 0
    pattern = re.compile(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+" + IDENT + r"\s*\{")
    while True:
        m = pattern.search(text, i)
        if not m:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i : m.start()])
        depth = 1
        j = m.end()
        while j < len(text) and depth:
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
            j += 1
        i = j


def inline_modules(text):
    """The spans of the `mod NAME { ... }` blocks written inside a file."""
    spans = []
    for m in re.finditer(r"\bmod\s+" + IDENT + r"\s*\{", text):
        depth = 1
        j = m.end()
        while j < len(text) and depth:
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
            j += 1
        spans.append((m.end(), j))
    return spans


def expand(text, start):
    """Expands the path that starts at `start` (just after `crate::` and the like) into
    its full paths: `a::{b, c::{d, self}}` -> [a::b, a::c::d, a::c]."""
    paths = []

    def walk(i, prefix):
        # Reads one path element sequence from i; returns the index after it.
        parts = list(prefix)
        while i < len(text):
            m = re.match(r"\s*(" + IDENT + r")\s*", text[i:])
            if m:
                parts.append(m.group(1))
                i += m.end()
                if text.startswith("::", i):
                    i += 2
                    continue
                paths.append(parts)
                return i
            m = re.match(r"\s*\{", text[i:])
            if m:
                i += m.end()
                while True:
                    m2 = re.match(r"\s*\}", text[i:])
                    if m2:
                        return i + m2.end()
                    m3 = re.match(r"\s*\*", text[i:])
                    if m3:
                        paths.append(list(parts))
                        i += m3.end()
                    else:
                        i = walk(i, parts)
                    m4 = re.match(r"\s*(as\s+" + IDENT + r")?\s*,?", text[i:])
                    i += m4.end()
            m = re.match(r"\s*\*", text[i:])
            if m:
                paths.append(parts)
                return i + m.end()
            paths.append(parts)
            return i
        paths.append(parts)
        return i

    walk(start, [])
    return [[p for p in path if p != "self"] for path in paths]


def module_files(root_file):
    """Maps module paths (tuples) to files, for the crate whose root file is given."""
    src = os.path.dirname(root_file)
    modules = {(): root_file}
    for dirpath, _, files in os.walk(src):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(dirpath, name)
            if os.path.samefile(path, root_file):
                continue
            rel = os.path.relpath(path, src)[:-3].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel == ["main"] or rel == ["lib"] or (rel and rel[0] == "bin"):
                continue
            modules[tuple(rel)] = path
    return modules


def graph(root_file):
    modules = module_files(root_file)
    sources = {}
    for module, path in modules.items():
        with open(path, encoding="utf-8") as f:
            sources[module] = strip_test_modules(strip_comments(f.read()))
    root = sources[()]
    # `pub use m::...::Item` in the root: `crate::Item` names m.
    aliases = {}
    for m in re.finditer(r"\bpub(\([^)]*\))?\s+use\s+", root):
        for path in expand(root, m.end()):
            owner = resolve((), path, modules, {})
            if path and owner != ():
                aliases[path[-1]] = owner
    own_mods = set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(" + IDENT + r")\s*;", root, re.M))
    edges = {module: set() for module in modules}
    for module, text in sources.items():
        refs = []
        inline = inline_modules(text)
        for m in re.finditer(r"(?<![\w$:])(crate|super|self)::", text):
            # Inside `mod x { ... }` of this file, the first `super`s stay in the file.
            depth = sum(1 for a, b in inline if a <= m.start() < b)
            for path in expand(text, m.end()):
                anchor = m.group(1)
                if anchor == "super" and depth:
                    ups = 1 + len([p for p in path if p == "super"])
                    path = [p for p in path if p != "super"]
                    anchor = "self" if ups <= depth else "super"
                    path = ["super"] * max(0, ups - depth - 1) + path
                refs.append((anchor, path))
        if module == ():
            for m in re.finditer(r"(?<![\w$:])(" + "|".join(map(re.escape, own_mods)) + r")::", text) if own_mods else []:
                for path in expand(text, m.end()):
                    refs.append(("self", [m.group(1)] + path))
        for anchor, path in refs:
            if anchor == "crate":
                base = ()
            elif anchor == "super":
                base = module[:-1]
                # `super::super::x`
                while path and path[0] == "super":
                    base = base[:-1]
                    path = path[1:]
            else:
                base = module
            target = resolve(base, path, modules, aliases if base == () else {})
            if target != module:
                edges[module].add(target)
    return edges


def resolve(base, path, modules, aliases):
    """The module a path names: the longest prefix of base + path that is a module."""
    full = list(base) + list(path)
    for n in range(len(full), len(base), -1):
        if tuple(full[:n]) in modules:
            return tuple(full[:n])
    if base == () and path and path[0] in aliases:
        return aliases[path[0]]
    return tuple(base)


def cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def one_cycle(comp, edges):
    """A shortest cycle through the component's first module, for the message."""
    members = set(comp)
    start = min(comp)
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges[v]):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w in members and w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


def name(module):
    return "crate" if module == () else "::".join(module)


def main(args):
    roots = args or ["src/lib.rs", "cli/src/main.rs"]
    failed = False
    for root_file in roots:
        edges = graph(root_file)
        found = cycles(edges)
        for comp in found:
            failed = True
            path = " -> ".join(name(m) for m in one_cycle(comp, edges))
            print(f"module cycle in {os.path.dirname(root_file)}/: {path} "
                  f"(all of: {', '.join(sorted(name(m) for m in comp))})", file=sys.stderr)
        if not found:
            print(f"{os.path.dirname(root_file)}/: {len(edges)} modules, no cycle")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
