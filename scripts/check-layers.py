#!/usr/bin/env python3
"""Check that libshop's layers hold (lib/LAYERS).

usage: check-layers.py [--lib DIR] [--objects DIR]

  --lib DIR      the library's source tree (default: lib/ beside scripts/)
  --objects DIR  where its objects were built (build/obj/lib); when given,
                 the symbols each object uses are checked too (nm)

Every source file lives in a layer's folder. It may include only headers
of its own layer or one below ("core/arena.h"), named with their folder.
Files are modules (x.c with x.h); no modules reach each other in a circle,
neither by includes nor by symbols (an object using a symbol another
defines). Prints one line per problem and exits 1 if there is any, 0
otherwise, 2 on bad usage.
"""

import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_layers(lib):
    order = []
    with open(os.path.join(lib, "LAYERS"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                order.append(line.split()[0])
    return {name: i for i, name in enumerate(order)}


def modules(lib, layers):
    """{module: [files]} for every .c and .h, and problems of placement."""
    mods, problems = {}, []
    for top, dirs, files in os.walk(lib):
        dirs.sort()
        rel = os.path.relpath(top, lib)
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.normpath(os.path.join(rel, name))
            layer = path.split(os.sep)[0]
            if rel == "." or layer not in layers or path.count(os.sep) != 1:
                problems.append(f"{path}: not in a layer's folder "
                                f"({', '.join(layers)})")
                continue
            mods.setdefault(path[:-2], []).append(path)
    # Objects go into one archive by their file names: two of one name
    # would replace each other in libshop.a.
    seen = {}
    for mod in sorted(mods):
        base = mod.split("/")[1]
        if base in seen:
            problems.append(f"{mod}: named like {seen[base]}; file names "
                            "must differ across layers")
        seen.setdefault(base, mod)
    return mods, problems


def rank(mod, layers):
    return layers[mod.split("/")[0]]


def include_edges(lib, mods, layers):
    edges, problems = {m: set() for m in mods}, []
    for mod, files in mods.items():
        for path in files:
            with open(os.path.join(lib, path), encoding="utf-8") as f:
                text = f.read()
            for m in INCLUDE.finditer(text):
                inc = m.group(1)
                line = text.count("\n", 0, m.start()) + 1
                target = inc[:-2] if inc.endswith(".h") else None
                if target is None or target not in mods:
                    if "/" not in inc:
                        problems.append(f"{path}:{line}: \"{inc}\" names no "
                                        "layer: write \"layer/{inc}\"")
                    else:
                        problems.append(f"{path}:{line}: \"{inc}\" is not a "
                                        "header of lib/")
                    continue
                if rank(target, layers) > rank(mod, layers):
                    problems.append(f"{path}:{line}: includes \"{inc}\", "
                                    f"which is in the layer above it "
                                    f"({target.split('/')[0]} over "
                                    f"{mod.split('/')[0]})")
                if target != mod:
                    edges[mod].add(target)
    return edges, problems


def nm(obj):
    out = subprocess.run(["nm", "-P", obj], capture_output=True, text=True,
                         check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        sym, kind = f[0], f[1]
        if kind == "U":
            used.add(sym)
        elif kind in "TDBRCGSVW":
            defined.add(sym)
    return defined, used


def symbol_edges(objdir, mods, layers):
    owner, uses, problems = {}, {}, []
    for mod in mods:
        obj = os.path.join(objdir, mod + ".o")
        if not os.path.exists(obj):
            continue
        defined, used = nm(obj)
        uses[mod] = used
        for s in defined:
            owner.setdefault(s, mod)
    edges = {m: set() for m in mods}
    for mod, used in uses.items():
        for s in sorted(used):
            t = owner.get(s)
            if t is None or t == mod:
                continue
            edges[mod].add(t)
            if rank(t, layers) > rank(mod, layers):
                problems.append(f"{mod}.o: uses {s} of {t}.o, a layer "
                                "above it")
    return edges, problems


def cycles(edges):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
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
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    lib, objdir = os.path.join(here, "..", "lib"), None
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--lib" and args:
            lib = args.pop(0)
        elif a == "--objects" and args:
            objdir = args.pop(0)
        else:
            print(__doc__.strip().splitlines()[2], file=sys.stderr)
            return 2
    layers = read_layers(lib)
    mods, problems = modules(lib, layers)
    inc, p = include_edges(lib, mods, layers)
    problems += p
    for comp in cycles(inc):
        problems.append("include cycle: " + " -> ".join(comp + comp[:1]))
    nsym = 0
    if objdir is not None:
        sym, p = symbol_edges(objdir, mods, layers)
        nsym = sum(len(v) for v in sym.values())
        problems += p
        for comp in cycles(sym):
            problems.append("symbol cycle: " + " -> ".join(comp + comp[:1]))
    for line in problems:
        print(line)
    if problems:
        print(f"layers: {len(problems)} problem"
              f"{'' if len(problems) == 1 else 's'}")
        return 1
    print(f"layers: {len(layers)} layers, {len(mods)} modules, "
          f"{sum(len(v) for v in inc.values())} includes"
          + (f", {nsym} symbol uses" if objdir else "") + ": ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
