"""make install as a packager runs it: make PREFIX=/usr, then make
install PREFIX=/usr DESTDIR=<root>, into a temporary build directory and
root (build/ is never touched). The files land where they should, hold
the installation's paths and no placeholder, pass their own checkers
(mandoc, lighttpd, apache2, systemd-analyze), and the installed programs
migrate, seed and serve; a second make rebuilds nothing and a new PREFIX
rebuilds only what depends on it. Nothing of it needs libcheck."""

import os
import re
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import (ROOT, contains, eq, free_port, lacks, run,  # noqa: E402
                      tempdir, test)

TMP = tempdir("shopinstall-")
B = os.path.join(TMP, "build")
DEST = os.path.join(TMP, "root")
USR = DEST + "/usr"
TEMPLATES = USR + "/share/shopfile/templates"
PKG_LOG = os.path.join(TMP, "pkg-config.log")
MAKE_ARGS = [f"B={B}", "PREFIX=/usr", "CFLAGS=-O0"]
# What a tree's own build keeps: a new PREFIX here must not rewrite it.
TREE_PATHS = os.path.join(ROOT, "build", "gen", "paths.h")
PLACEHOLDER = re.compile(rb"@[A-Za-z_][A-Za-z0-9_]*@")


def names(top, ext=".c"):
    """Program names as the Makefile finds them: top/NAME.c or top/NAME/."""
    d = os.path.join(ROOT, top)
    return sorted({n[:-len(ext)] if n.endswith(ext) else n
                   for n in os.listdir(d)
                   if n.endswith(ext) or os.path.isdir(os.path.join(d, n))})


def tree_files(top):
    out = []
    for d, dirs, files in os.walk(os.path.join(ROOT, top)):
        out += [os.path.relpath(os.path.join(d, f), ROOT) for f in files]
    return out


def make(*args, check=True):
    """make in the source tree with a pkg-config that logs what it is
    asked and knows no libcheck, as on a machine with only the build
    packages."""
    env = dict(os.environ, PATH=os.path.join(TMP, "bin") + ":" +
               os.environ.get("PATH", "/usr/bin:/bin"))
    # Run from make test: not a sub-make of it, nor of its jobserver.
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(k, None)
    p = subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"make {' '.join(args)}: exit {p.returncode}\n"
                             f"{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


def mtimes(top):
    out = {}
    for d, dirs, files in os.walk(top):
        for f in files:
            path = os.path.join(d, f)
            out[os.path.relpath(path, top)] = os.stat(path).st_mtime_ns
    return out


def setup():
    os.makedirs(os.path.join(TMP, "bin"))
    wrapper = os.path.join(TMP, "bin", "pkg-config")
    with open(wrapper, "w") as f:
        f.write(f"""#!/bin/sh
echo "$*" >> {PKG_LOG}
case " $* " in *" check "*) echo "no package check here" >&2; exit 1 ;; esac
exec /usr/bin/pkg-config "$@"
""")
    os.chmod(wrapper, 0o755)
    paths_before = os.stat(TREE_PATHS).st_mtime_ns \
        if os.path.exists(TREE_PATHS) else None
    built = make("-j2", *MAKE_ARGS, "build")
    installed = make(*MAKE_ARGS, f"DESTDIR={DEST}", "install")
    return built, installed, paths_before


BUILT, INSTALLED, TREE_PATHS_MTIME = setup()


def installed_files():
    return sorted(os.path.relpath(os.path.join(d, f), DEST)
                  for d, dirs, files in os.walk(DEST) for f in files)


def moved(path, out):
    """The installed configuration path with its absolute paths moved
    into the temporary tree: the installed files, a data directory and
    a run directory of its own; returns the copy's path."""
    data, run_dir = os.path.join(TMP, "data"), os.path.join(TMP, "run")
    for d in (data, os.path.join(data, "media"), run_dir,
              os.path.join(run_dir, "fcgid")):
        os.makedirs(d, exist_ok=True)
    with open(path) as f:
        text = f.read()
    for old, new in (("/usr/share/shopfile", USR + "/share/shopfile"),
                     ("/usr/lib/shopfile", USR + "/lib/shopfile"),
                     ("/usr/sbin", USR + "/sbin"),
                     ("/var/lib/shopfile", data),
                     ("/run/shopfile", run_dir),
                     ("/etc/shopfile", data)):
        text = text.replace(old, new)
    with open(out, "w") as f:
        f.write(text)
    return out


# ------------------------------------------------------------ files

@test
def the_files_go_where_a_package_puts_them():
    want = ["usr/sbin/" + n for n in names("bin")]
    want += ["usr/lib/shopfile/cgi-bin/" + n for n in names("cgi-bin")]
    want += ["usr/share/shopfile/" + p for p in tree_files("templates") +
             tree_files("static")]
    # lighttpd's page cache scripts, beside static/ as its configuration
    # names them.
    want += ["usr/share/shopfile/httpd-conf/pagecache.lua",
             "usr/share/shopfile/httpd-conf/pagecache-headers.lua"]
    want += ["usr/share/shopfile/catalog.rng",
             "usr/share/man/man8/shop-fcgi.8",
             "usr/share/man/man8/shop-worker.8",
             "usr/share/man/man8/shopctl.8",
             "usr/lib/systemd/system/shop-worker.service",
             "usr/lib/systemd/system/shop-fcgi.service",
             "usr/share/doc/shopfile/README.md",
             "usr/share/doc/shopfile/examples/apache.conf",
             "usr/share/doc/shopfile/examples/lighttpd.conf"]
    # The web servers' own error pages, rendered by make.
    want += [f"usr/share/shopfile/errors/{n}.html"
             for n in (400, 403, 404, 413, 500, 502, 503, 504)]
    eq(installed_files(), sorted(want))
    eq(names("bin"), ["shop-fcgi", "shop-worker", "shopctl"])
    eq(len(names("cgi-bin")), 7)


@test
def programs_executable_and_the_rest_readable():
    for rel in installed_files():
        mode = stat.S_IMODE(os.stat(os.path.join(DEST, rel)).st_mode)
        program = rel.startswith(("usr/sbin/", "usr/lib/shopfile/cgi-bin/"))
        eq(oct(mode), oct(0o755 if program else 0o644), rel)


@test
def no_placeholder_left_in_any_text_file():
    texts = 0
    for rel in installed_files():
        with open(os.path.join(DEST, rel), "rb") as f:
            data = f.read()
        if b"\0" in data:
            continue
        texts += 1
        left = PLACEHOLDER.findall(data)
        eq(left, [], rel)
    # The configurations, man pages, templates, static files and README.
    eq(texts, len(installed_files()) - len(names("bin")) -
       len(names("cgi-bin")))


@test
def bad_a_placeholder_would_be_found():
    """The search above finds what make would leave unfilled."""
    eq(PLACEHOLDER.findall(b'bin-path => "@CGIBIN@/cart" @...@ a@b.c'),
       [b"@CGIBIN@"])
    with open(os.path.join(ROOT, "httpd-conf", "lighttpd.conf.in"),
              "rb") as f:
        contains(PLACEHOLDER.findall(f.read()), b"@CGIBIN@")


@test
def the_programs_hold_the_installed_template_path():
    for rel in installed_files():
        if not rel.startswith(("usr/sbin/", "usr/lib/shopfile/cgi-bin/")):
            continue
        out = subprocess.run(["strings", os.path.join(DEST, rel)],
                             capture_output=True, text=True,
                             check=True).stdout
        # shop-fcgi only starts the programs: it reads no template.
        if rel != "usr/sbin/shop-fcgi":
            contains(out, "/usr/share/shopfile/templates\n", rel)
        lacks(out, "/usr/local", rel)


@test
def the_configurations_hold_the_installed_paths():
    examples = USR + "/share/doc/shopfile/examples/"
    with open(examples + "lighttpd.conf") as f:
        light = f.read()
    for line in ('server.document-root\t= "/usr/share/shopfile/static"',
                 '"SHOP_DATA_DIR"\t\t=> "/var/lib/shopfile"',
                 '"SHOP_TEMPLATE_DIR"\t=> "/usr/share/shopfile/templates"',
                 '"bin-path"\t\t=> "/usr/lib/shopfile/cgi-bin/catalog"',
                 '"socket"\t\t=> "/run/shopfile/catalog.sock"',
                 '"/media/" => "/var/lib/shopfile/media/"'):
        contains(light, line)
    eq(len(re.findall(r'"bin-path"\t\t=> "/usr/lib/shopfile/cgi-bin/\w+"',
                      light)), 7)
    with open(examples + "apache.conf") as f:
        apache = f.read()
    for line in ('DocumentRoot "/usr/share/shopfile/static"',
                 'SetHandler "proxy:unix:/run/shopfile/fcgi/catalog.sock|'
                 'fcgi://shop-catalog/"',
                 'ErrorDocument 500 /static/errors/500.html',
                 'Alias /static/errors/ "/usr/share/shopfile/errors/"',
                 'AliasMatch "^/cart(/.*)?$" "/usr/lib/shopfile/cgi-bin/cart"',
                 '<Directory "/usr/lib/shopfile/cgi-bin">'):
        contains(apache, line)
    with open(USR + "/lib/systemd/system/shop-worker.service") as f:
        unit = f.read()
    for line in ("ExecStart=/usr/sbin/shop-worker -c /etc/shopfile/shop.env",
                 "Environment=SHOP_DATA_DIR=/var/lib/shopfile",
                 "Environment=SHOP_TEMPLATE_DIR=/usr/share/shopfile/templates",
                 "ReadWritePaths=/var/lib/shopfile"):
        contains(unit, line + "\n")
    with open(USR + "/lib/systemd/system/shop-fcgi.service") as f:
        fcgi = f.read()
    for line in ("ExecStart=/usr/sbin/shop-fcgi /run/shopfile/fcgi "
                 "/usr/lib/shopfile/cgi-bin",
                 "Environment=SHOP_DATA_DIR=/var/lib/shopfile",
                 "Environment=SHOP_TEMPLATE_DIR=/usr/share/shopfile/templates",
                 "Environment=SHOP_ENV_FILE=/etc/shopfile/shop.env"):
        contains(fcgi, line + "\n")
    for text in (light, apache, unit, fcgi):
        lacks(text, "/usr/local")
        lacks(text, ROOT)
        lacks(text, B)


# ------------------------------------------------------------ checkers

@test
def man_pages_clean_under_mandoc_lint():
    pages = [USR + "/share/man/man8/" + n for n in ("shopctl.8",
                                                    "shop-worker.8",
                                                    "shop-fcgi.8")]
    p = subprocess.run(["mandoc", "-Tlint", "-W", "warning", *pages],
                       capture_output=True, text=True)
    eq((p.returncode, p.stdout + p.stderr), (0, ""))
    # Style too, but for the manuals this machine has not installed
    # (shopctl and shop-worker themselves, until a package installs them):
    # mandoc looks them up in /usr/share/man only.
    p = subprocess.run(["mandoc", "-Tlint", *pages], capture_output=True,
                       text=True)
    missing = []
    for line in (p.stdout + p.stderr).splitlines():
        m = re.search(r"referenced manual not found: Xr (\S+) (\d)", line)
        if m:
            missing.append(f"{m.group(1)}({m.group(2)})")
        elif "outdated mandoc.db" not in line:
            raise AssertionError(f"mandoc -Tlint: {line}")
    others = sorted(set(missing) - {"shopctl(8)", "shop-worker(8)",
                                     "shop-fcgi(8)"})
    if others:
        print(f"note: manuals referenced but not installed here: {others}")


@test
def bad_mandoc_lint_can_fail():
    page = os.path.join(TMP, "bad.8")
    with open(USR + "/share/man/man8/shopctl.8") as f:
        text = f.read()
    with open(page, "w") as f:
        f.write(text.replace(".Sh ENVIRONMENT", ".Sh ENVIRONMENT\n.Bl -tag"))
    p = subprocess.run(["mandoc", "-Tlint", "-W", "warning", page],
                       capture_output=True, text=True)
    contains(p.stdout + p.stderr, "WARNING")


@test
def lighttpd_accepts_the_installed_configuration():
    conf = moved(USR + "/share/doc/shopfile/examples/lighttpd.conf",
                 os.path.join(TMP, "lighttpd.conf"))
    p = subprocess.run(["lighttpd", "-tt", "-f", conf], capture_output=True,
                       text=True)
    # lighttpd -tt exits 0 even on a bin-path it cannot run: it must say
    # nothing at all.
    eq((p.returncode, p.stdout + p.stderr), (0, ""))
    p = subprocess.run(["lighttpd", "-tt", "-f",
                        USR + "/share/doc/shopfile/examples/lighttpd.conf"],
                       capture_output=True, text=True)
    contains(p.stderr, 'invalid "bin-path" => "/usr/lib/shopfile/cgi-bin/'
             'catalog"')


@test
def apache_accepts_the_installed_configuration():
    if shutil.which("apache2") is None or not os.path.exists(
            "/usr/lib/apache2/modules/mod_fcgid.so"):
        print("note: apache2 or mod_fcgid not installed: check skipped")
        return
    conf = moved(USR + "/share/doc/shopfile/examples/apache.conf",
                 os.path.join(TMP, "apache.conf"))
    p = subprocess.run(["apache2", "-t", "-f", conf], capture_output=True,
                       text=True)
    eq((p.returncode, p.stdout + p.stderr), (0, "Syntax OK\n"))


@test
def systemd_accepts_the_unit():
    if shutil.which("systemd-analyze") is None:
        print("note: systemd-analyze not installed: the unit's check "
              "skipped, not passed")
        return
    # The unit as installed, but for the worker's path inside DESTDIR:
    # verify fails on an ExecStart it cannot find.
    units = os.path.join(TMP, "units")
    os.makedirs(units)
    unit = moved(USR + "/lib/systemd/system/shop-worker.service",
                 os.path.join(units, "shop-worker.service"))
    p = subprocess.run(["systemd-analyze", "verify", unit],
                       capture_output=True, text=True)
    # It exits 0 on a misspelt setting too: it must say nothing.
    eq((p.returncode, p.stdout + p.stderr), (0, ""))
    bad = os.path.join(units, "bad-worker.service")
    with open(unit) as f:
        text = f.read()
    with open(bad, "w") as f:
        f.write(text.replace("KillMode=mixed", "KillMode=mixd"))
    p = subprocess.run(["systemd-analyze", "verify", bad],
                       capture_output=True, text=True)
    contains(p.stdout + p.stderr, "mixd")


# ------------------------------------------------------------ building

@test
def only_the_build_packages_are_needed():
    """Neither make nor make install asks pkg-config about libcheck or
    builds a test program, a seam or a unit test."""
    with open(PKG_LOG) as f:
        asked = f.read()
    contains(asked, "sqlite3 libpcre2-8 libsodium libcurl libxml-2.0 fcgi")
    lacks(asked, "check")
    eq(os.path.exists(os.path.join(B, "test")), False)
    eq(os.path.exists(os.path.join(B, "obj", "tests")), False)
    eq(sorted(os.listdir(B)), ["bin", "cgi-bin", "conf", "errors", "gen",
                               "lib", "obj"])
    contains(INSTALLED.stdout, "install -m 755 ")
    lacks(INSTALLED.stdout, "  CC ")       # installing built nothing


@test
def a_second_make_rebuilds_nothing():
    before = mtimes(B)
    p = make("-j2", *MAKE_ARGS, "build")
    eq(p.stdout, "")
    eq(mtimes(B), before)


@test
def a_new_prefix_rebuilds_config_and_what_links_it():
    before = mtimes(B)
    p = make("-j2", f"B={B}", "PREFIX=/opt/shop", "CFLAGS=-O0", "build")
    after = mtimes(B)
    changed = sorted(k for k in after if after[k] != before.get(k))
    objects = [k for k in changed if k.endswith(".o")]
    eq(objects, ["obj/lib/core/config.o"])
    programs = ["bin/" + n for n in names("bin")] + \
        ["cgi-bin/" + n for n in names("cgi-bin")]
    installed_conf = ["conf/installed/" + n for n in
                      ("apache.conf", "lighttpd.conf", "shop-fcgi.service",
                       "shop-worker.service")]
    eq(changed, sorted(objects + ["obj/lib/core/config.d", "gen/paths.h",
                                  "lib/libshop.a"] + programs +
                       installed_conf))
    contains(p.stdout, "  CC     " + B + "/obj/lib/core/config.o\n")
    out = subprocess.run(["strings", os.path.join(B, "bin", "shopctl")],
                         capture_output=True, text=True).stdout
    contains(out, "/opt/shop/share/shopfile/templates\n")
    lacks(out, "/usr/share/shopfile/templates")
    with open(os.path.join(B, "conf", "installed",
                           "shop-worker.service")) as f:
        contains(f.read(), "ExecStart=/opt/shop/sbin/shop-worker ")
    # Back to /usr: config.o again, and the tree's own build untouched.
    make("-j2", *MAKE_ARGS, "build")
    out = subprocess.run(["strings", os.path.join(B, "bin", "shopctl")],
                         capture_output=True, text=True).stdout
    contains(out, "/usr/share/shopfile/templates\n")
    if TREE_PATHS_MTIME is not None:
        eq(os.stat(TREE_PATHS).st_mtime_ns, TREE_PATHS_MTIME, TREE_PATHS)


# ------------------------------------------------------------ running

DATA = os.path.join(TMP, "shopdata")


def installed(prog, *args, env=None, check=True):
    e = dict(os.environ, SHOP_DATA_DIR=DATA, SHOP_TEMPLATE_DIR=TEMPLATES)
    e.update(env or {})
    p = subprocess.run([os.path.join(USR, "sbin", prog), *args], env=e,
                       capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"{prog} {' '.join(args)}: exit {p.returncode}"
                             f"\n{p.stdout}\n{p.stderr}")
    return p


@test
def the_installed_programs_migrate_seed_and_serve():
    p = installed("shopctl", "migrate")
    contains(p.stdout, f"; {DATA} is up to date\n")
    p = installed("shopctl", "seed")
    contains(p.stdout, "seed: 8 categories, 64 products")
    p = installed("shopctl", "check")
    contains(p.stdout, "check: all four databases are sound\n")
    installed("shop-worker", "-1", env={"SHOP_WORKER_POLL_MS": "20"})
    shoptest.BUILD = USR + "/lib/shopfile"
    try:
        r = shoptest.cgi("catalog", "/", data_dir=DATA,
                         env={"SHOP_TEMPLATE_DIR": TEMPLATES})
    finally:
        shoptest.BUILD = os.path.join(ROOT, "build", "test")
    eq(r.status, 200, r.body[:300])
    contains(r.text, "<!doctype html>")
    contains(r.header("Content-Type"), "text/html")


@test
def the_installed_lighttpd_configuration_serves_the_shop():
    """The example as installed, its paths moved into the temporary tree
    and on a free port, in front of the installed programs."""
    if not os.path.exists(os.path.join(DATA, "shop.db")):
        installed("shopctl", "migrate")
        installed("shopctl", "seed")
    conf = os.path.join(TMP, "lighttpd-serve.conf")
    port = free_port()
    moved(USR + "/share/doc/shopfile/examples/lighttpd.conf", conf)
    with open(conf) as f:
        text = f.read().replace("server.port\t\t= 80\n",
                                f"server.port\t\t= {port}\n")
    text = text.replace(os.path.join(TMP, "data"), DATA)
    with open(conf, "w") as f:
        f.write(text)
    contains(text, f"server.port\t\t= {port}\n")
    log = open(os.path.join(TMP, "lighttpd.log"), "wb")
    proc = subprocess.Popen(["lighttpd", "-D", "-f", conf], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        shoptest.wait_port(port, proc=proc)
        r = shoptest.Client(port).get("/")
        eq(r.status, 200, r.body[:300])
        contains(r.text, "<!doctype html>")
        r = shoptest.Client(port).get("/static/style.css")
        eq(r.status, 200)
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()


@test
def bad_without_a_template_dir_the_installed_path_is_named():
    """The default SHOP_TEMPLATE_DIR is the one under PREFIX: with none
    set, the installed worker looks there (and, on a machine without
    that installation, says so and stops)."""
    if os.path.exists("/usr/share/shopfile/templates"):
        print("note: /usr/share/shopfile is installed here: check skipped")
        return
    if not os.path.exists(os.path.join(DATA, "shop.db")):
        installed("shopctl", "migrate")
    p = installed("shop-worker", "-1", env={"SHOP_TEMPLATE_DIR": ""},
                  check=False)
    eq(p.returncode, 1, p.stderr)
    contains(p.stderr, 'msg="templates: /usr/share/shopfile/templates: No '
             'such file or directory"')


run()
