"""libshop's layers (lib/LAYERS), checked by scripts/check-layers.py: the
real tree passes, and each kind of wrong include or symbol use fails it,
with a line that names the file and the problem."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import ROOT, contains, eq, run, tempdir, test  # noqa: E402

CHECK = os.path.join(ROOT, "scripts", "check-layers.py")
OBJECTS = os.path.join(ROOT, "build", "obj", "lib")


def check(*args):
    p = subprocess.run([sys.executable, CHECK, *args], capture_output=True,
                       text=True)
    return p.returncode, p.stdout


def lib_copy():
    """A copy of lib/'s sources to break."""
    d = os.path.join(tempdir(), "lib")
    shutil.copytree(os.path.join(ROOT, "lib"), d)
    return d


def append(path, text):
    with open(path, "a") as f:
        f.write(text)


@test
def the_tree_holds():
    rc, out = check()
    eq(rc, 0, out)
    contains(out, "layers: 8 layers, ")
    contains(out, ": ok")


@test
def the_built_objects_hold():
    rc, out = check("--objects", OBJECTS)
    eq(rc, 0, out)
    contains(out, " symbol uses: ok")


@test
def bad_include_of_a_layer_above():
    lib = lib_copy()
    append(os.path.join(lib, "core", "arena.c"), '#include "shop/order.h"\n')
    rc, out = check("--lib", lib)
    eq(rc, 1)
    contains(out, 'core/arena.c:')
    contains(out, 'includes "shop/order.h", which is in the layer above it '
             '(shop over core)')
    contains(out, "include cycle: core/arena -> ")
    contains(out, "layers: 2 problems")


@test
def bad_include_cycle_within_a_layer():
    lib = lib_copy()
    append(os.path.join(lib, "data", "db.h"), '#include "data/migrate.h"\n')
    rc, out = check("--lib", lib)
    eq(rc, 1)
    contains(out, "include cycle: data/db -> data/migrate -> data/db")


@test
def bad_include_without_its_layer():
    lib = lib_copy()
    append(os.path.join(lib, "web", "route.c"), '#include "http.h"\n')
    rc, out = check("--lib", lib)
    eq(rc, 1)
    contains(out, 'web/route.c:')
    contains(out, '"http.h" names no layer')


@test
def bad_file_outside_the_layers():
    lib = lib_copy()
    append(os.path.join(lib, "stray.c"), "int stray;\n")
    os.makedirs(os.path.join(lib, "misc"))
    append(os.path.join(lib, "misc", "thing.c"), "int thing;\n")
    rc, out = check("--lib", lib)
    eq(rc, 1)
    contains(out, "stray.c: not in a layer's folder")
    contains(out, "misc/thing.c: not in a layer's folder")


@test
def bad_two_files_of_one_name():
    lib = lib_copy()
    append(os.path.join(lib, "ext", "log.c"), "int ext_log;\n")
    rc, out = check("--lib", lib)
    eq(rc, 1)
    contains(out, "named like")


def compile_objects(lib, sources):
    """Write and compile sources ({path: text}) into an object tree."""
    objdir = os.path.join(os.path.dirname(lib), "obj")
    for path, text in sources.items():
        with open(os.path.join(lib, path), "w") as f:
            f.write(text)
        out = os.path.join(objdir, path[:-2] + ".o")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run(["cc", "-c", "-o", out, os.path.join(lib, path)],
                       check=True)
    return objdir


@test
def bad_symbol_cycle_without_includes():
    """Two files that call each other through prototypes of their own:
    no include shows it, the objects do."""
    lib = lib_copy()
    objdir = compile_objects(lib, {
        "shop/ping.c": "int pong(int);\nint ping(int n) "
                       "{ return n ? pong(n - 1) : 0; }\n",
        "shop/pong.c": "int ping(int);\nint pong(int n) "
                       "{ return n ? ping(n - 1) : 1; }\n",
    })
    rc, out = check("--lib", lib, "--objects", objdir)
    eq(rc, 1)
    contains(out, "symbol cycle: shop/ping -> shop/pong -> shop/ping")


@test
def bad_symbol_of_a_layer_above():
    lib = lib_copy()
    objdir = compile_objects(lib, {
        "core/low.c": "int high(void);\nint low(void) { return high(); }\n",
        "app/high.c": "int high(void) { return 1; }\n",
    })
    rc, out = check("--lib", lib, "--objects", objdir)
    eq(rc, 1)
    contains(out, "core/low.o: uses high of app/high.o, a layer above it")


@test
def bad_usage():
    rc, _ = check("--nonsense")
    eq(rc, 2)


run()
