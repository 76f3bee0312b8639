"""The documentation says what the programs do: the environment
variables of README.md's configuration table, of the ENVIRONMENT sections
of man/shopctl.8 and man/shop-worker.8, and the names lib/, bin/ and
cgi-bin/ read from the environment are the same sets; and shopctl's
commands, subcommands and options are the same in its usage (shopctl -h),
its man page and README.md's shopctl block. A variable or command added
to the code and not to the documentation fails here, and so does one
documented that the code does not have."""

import os
import re
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import ROOT, contains, eq, run, tempdir, test  # noqa: E402

# The programs make builds (not the test builds): what is installed.
RELEASE = os.path.dirname(shoptest.BUILD)
SHOPCTL = os.path.join(RELEASE, "bin", "shopctl")
# The project's own namespaces of variables. (lib/web/http.c reads the
# request's CGI variables, RFC 3875, from the environment too: those are
# the protocol's, not settings.)
OURS = re.compile(r'"((?:SHOP|STRIPE|SMTP)_[A-Z0-9_]*)"')
GETENV = re.compile(r"\bgetenv\s*\(\s*([^)]*)\)")
# getenv() calls whose argument is not a literal, and where the names
# they are given come from: a name the test finds by OURS (a wrapper
# called with literals, a table), or a prefix it expands (below).
INDIRECT = {
    ("lib/core/config.c", "name"),          # env("SHOP_...", default)
    ("bin/shop-worker/settings.c", "ints[i].name"),     # the ints table
    ("bin/shop-worker/settings.c", "var"),  # SHOP_SCHEDULE_<TASK>
    ("cgi-bin/live.c", "name"),             # setting("SHOP_LIVE_...", ...)
}
# Variables only make run and make bench read.
MAKE_ONLY = {"PORT"}


def read(path, root=ROOT):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        return f.read()


def sources(top, root):
    out = []
    for d, dirs, files in os.walk(os.path.join(root, top)):
        dirs.sort()
        out += [os.path.relpath(os.path.join(d, f), root)
                for f in sorted(files) if f.endswith((".c", ".h"))]
    return out


def recurring_tasks():
    """The recurring tasks of lib/jobs/job.c, upper case: TRIM_CABLE..."""
    text = read("lib/jobs/job.c")
    table = text[text.index("job_recurring[] = {"):]
    table = table[:table.index("};")]
    tasks = re.findall(r'\{\s*"([a-z_]+)",\s*JOB_', table)
    if not tasks:
        raise AssertionError("no recurring task found in lib/jobs/job.c")
    return [t.upper() for t in tasks]


def code_vars(*tops, root=ROOT):
    """Every name the sources under tops (of the tree root) read from
    the environment."""
    found = set()
    for path in [p for top in tops for p in sources(top, root)]:
        text = read(path, root)
        for m in GETENV.finditer(text):
            arg = m.group(1).strip()
            lit = re.fullmatch(r'"([A-Za-z_][A-Za-z0-9_]*)"', arg)
            if lit:
                found.add(lit.group(1))
            elif (path, arg) not in INDIRECT:
                raise AssertionError(
                    f"{path}: getenv({arg}): a name this test cannot see; "
                    "add where its names come from to INDIRECT")
        for name in OURS.findall(text):
            if name.endswith("_"):
                if name != "SHOP_SCHEDULE_":
                    raise AssertionError(f"{path}: the prefix {name!r}: "
                                         "teach this test its names")
                found |= {name + t for t in recurring_tasks()}
            else:
                found.add(name)
    return found


def readme_section(title, text=None):
    text = read("README.md") if text is None else text
    start = text.index("\n## " + title + "\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else len(text)]


def readme_vars():
    """The configuration table's variables, SHOP_SCHEDULE_<TASK> with
    the tasks its row names."""
    found = set()
    rows = [r for r in readme_section("Configuration").splitlines()
            if r.startswith("| `")]
    if not rows:
        raise AssertionError("README.md: no configuration table")
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        names = re.findall(r"`([A-Z][A-Z0-9_]*(?:<TASK>)?)`", cells[0])
        for name in names:
            if name.endswith("<TASK>"):
                tasks = re.findall(r"`([A-Z][A-Z_]*)`", cells[-1])
                found |= {name[:-len("<TASK>")] + t for t in tasks}
            else:
                found.add(name)
    return found


# ------------------------------------------------------------ mdoc

def mdoc_lines(path):
    """The macro lines of a man page, continuations joined, as token
    lists without the dot ("It Ev A , Ev B" -> ["It", "Ev", "A", ...])."""
    out, cur = [], ""
    for line in read(path).splitlines():
        if line.startswith('.\\"'):
            continue
        if cur:
            line = cur + " " + line
            cur = ""
        if line.endswith("\\"):
            cur = line[:-1]
            continue
        if line.startswith("."):
            out.append(shlex.split(line[1:]))
        else:
            out.append(None)            # text
    return out


def mdoc_section(path, name):
    lines, out, inside = mdoc_lines(path), [], False
    for t in lines:
        if t and t[0] == "Sh":
            inside = t[1:] == name.split()
            continue
        if inside:
            out.append(t)
    if not out:
        raise AssertionError(f"{path}: no section {name}")
    return out


def items(lines):
    """The heads of the top-level list's items (an Xo ... Xc head whole),
    as token lists."""
    heads, depth, head = [], 0, None
    for t in lines:
        if head is not None:
            if t and t[0] == "Xc":
                heads.append(head)
                head = None
            elif t:
                head += t
            continue
        if not t:
            continue
        if t[0] == "Bl":
            depth += 1
        elif t[0] == "El":
            depth -= 1
        elif t[0] == "It" and depth == 1:
            if t[1:] == ["Xo"]:
                head = []
            else:
                heads.append(t[1:])
    return heads


def man_vars(path):
    found = set()
    for head in items(mdoc_section(path, "ENVIRONMENT")):
        found |= {head[i + 1] for i, tok in enumerate(head)
                  if tok == "Ev" and i + 1 < len(head)}
    return found


def flags(tokens):
    """Options among mdoc tokens: "Fl -state" -> "--state"."""
    return {"-" + tokens[i + 1] for i, t in enumerate(tokens)
            if t == "Fl" and i + 1 < len(tokens)}


def man_commands(path):
    """{(command, subcommand or None): set of options} of the command
    items of DESCRIPTION (those whose head starts with Cm)."""
    out = {}
    for head in items(mdoc_section(path, "DESCRIPTION")):
        if head[:1] != ["Cm"]:
            continue
        rest = [t for t in head[2:] if t not in ("Op", "Oo", "Oc")]
        sub = rest[1] if rest[:1] == ["Cm"] else None
        out[(head[1], sub)] = flags(head)
    return out


# ------------------------------------------------- usage and README

def alternative(cmd, text):
    """(command, subcommand or None), options of one usage alternative
    such as "[list] [--state S] [--limit N]"."""
    words = text.split()
    first = words[0].strip("[]") if words else ""
    sub = first if re.fullmatch(r"[a-z][a-z_-]*", first) else None
    # "[--admin|--staff]" gives both options.
    opts = {m for w in words for part in w.split("|")
            for m in re.findall(r"^\[?(-{1,2}[a-z][a-z-]*)\]?$", part)}
    return (cmd, sub), opts


def usage_commands():
    """The commands of shopctl -h, each alternative of its usage apart,
    and the global options."""
    p = subprocess.run([SHOPCTL, "-h"], capture_output=True, text=True)
    eq(p.returncode, 0, p.stderr)
    out, cmds, glob = p.stdout, {}, set()
    body = out[out.index("commands:\n") + 10:out.index("\noptions:\n")]
    entries = []
    for line in body.splitlines():
        m = re.fullmatch(r"  ([a-z]\S*)(?: (.*))?", line)
        if m:
            entries.append([m.group(1), [m.group(2) or ""]])
        elif re.fullmatch(r" +\| .*", line):
            entries[-1][1].append(line.split("| ", 1)[1])
    for name, parts in entries:
        alts = [a for part in parts for a in part.split(" | ")]
        for alt in alts:
            key, opts = alternative(name, alt)
            cmds[key] = opts
    for line in out[out.index("\noptions:\n"):].splitlines():
        m = re.match(r"  (-[a-z])\b", line)
        if m:
            glob.add(m.group(1))
    return cmds, glob


def readme_commands(text=None):
    block = readme_section("Operating", text)
    block = block[block.index("```sh\n") + 6:]
    block = block[:block.index("```")]
    cmds = {}
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("shopctl "):
            continue
        words = line.split()
        key, opts = alternative(words[1], " ".join(words[2:]))
        cmds[key] = opts
    return cmds


# ------------------------------------------------------------ tests

@test
def readme_table_is_what_the_code_reads():
    code = code_vars("lib", "bin", "cgi-bin")
    readme = readme_vars()
    eq(sorted(readme - MAKE_ONLY - code), [], "in README.md, read by no "
       "program")
    eq(sorted(code - readme), [], "read by a program, not in README.md")
    contains(readme_section("Configuration"),
             "| `PORT` | `8080` | `make run` and `make bench` only |")


@test
def each_man_page_has_what_its_program_reads():
    for prog in ("shopctl", "shop-worker"):
        code = code_vars("lib", "bin/" + prog)
        man = man_vars(f"man/{prog}.8")
        eq(sorted(man - code), [], f"in {prog}.8, not read by {prog}")
        eq(sorted(code - man), [], f"read by {prog}, not in {prog}.8")


@test
def the_man_pages_and_readme_agree():
    """What only the web programs read is in README.md alone."""
    man = man_vars("man/shopctl.8") | man_vars("man/shop-worker.8")
    web_only = code_vars("cgi-bin") - code_vars("lib", "bin")
    eq(sorted(readme_vars() - MAKE_ONLY - man), sorted(web_only))
    eq(sorted(man - readme_vars()), [])


@test
def the_code_reads_the_names_counted():
    """So the comparisons above can fail: the names are found at all,
    through literals, wrappers and the schedule prefix."""
    worker = code_vars("lib", "bin/shop-worker")
    for name in ("SHOP_ENV_FILE", "SHOP_LOG_LEVEL", "SHOP_MEDIA_DIR",
                 "SHOP_WORKER_QUEUES", "SHOP_CACHE_MAX_BYTES",
                 "SHOP_SCHEDULE_RELEASE_RESERVATIONS"):
        contains(worker, name)
    contains(code_vars("cgi-bin"), "SHOP_LIVE_POLL_MS")
    eq(len(code_vars("lib", "bin", "cgi-bin")), 47)


@test
def bad_an_undocumented_variable_is_found():
    """In a copy of lib/: a variable read through getenv() is counted,
    as is a new wrapper's literal, and a name read through an expression
    the test does not know stops it."""
    root = tempdir()
    shutil.copytree(os.path.join(ROOT, "lib"), os.path.join(root, "lib"))
    path = os.path.join(root, "lib", "core", "log.c")
    with open(path, encoding="utf-8") as f:
        orig = f.read()
    before = code_vars("lib", root=root)
    for extra, want in (
            ('\nstatic const char *x(void) { return getenv("SHOP_NEW"); }\n',
             "SHOP_NEW"),
            ('\nstatic const char *y[] = { "STRIPE_NEW_THING" };\n',
             "STRIPE_NEW_THING")):
        with open(path, "w", encoding="utf-8") as f:
            f.write(orig + extra)
        eq(sorted(code_vars("lib", root=root) - before), [want])
    with open(path, "w", encoding="utf-8") as f:
        f.write(orig + '\nstatic const char *z(const char *n) '
                '{ return getenv(n); }\n')
    try:
        code_vars("lib", root=root)
    except AssertionError as e:
        contains(str(e), "lib/core/log.c: getenv(n): a name this test "
                 "cannot see")
    else:
        raise AssertionError("getenv(n) went unnoticed")


@test
def shopctl_usage_and_man_page_agree():
    usage, glob = usage_commands()
    man = man_commands("man/shopctl.8")
    eq(sorted(man, key=str), sorted(usage, key=str),
       "commands and subcommands")
    for key in usage:
        eq(sorted(man[key]), sorted(usage[key]), f"options of {key}")
    eq(sorted(glob), ["-d", "-h", "-q"])
    eq(sorted(flags([t for line in mdoc_section("man/shopctl.8", "SYNOPSIS")
                     if line for t in line])), sorted(glob))


@test
def shopctl_usage_and_readme_agree():
    usage, _ = usage_commands()
    readme = readme_commands()
    eq(sorted(readme, key=str), sorted(usage, key=str),
       "commands and subcommands")
    for key in usage:
        eq(sorted(readme[key]), sorted(usage[key]), f"options of {key}")


@test
def bad_a_command_or_option_left_out_is_found():
    """A man page without "jobs discard", or without orders list's
    --limit, and a README.md without "shopctl check", differ from the
    usage where they lack it."""
    usage, _ = usage_commands()
    page = read("man/shopctl.8")
    for cut, key in ((".It Cm jobs Cm discard Ar id\n", ("jobs", "discard")),
                     (".Op Fl -limit Ar N\n", ("orders", "list"))):
        contains(page, cut)
        copy = os.path.join(tempdir(), "shopctl.8")
        with open(copy, "w", encoding="utf-8") as f:
            f.write(page.replace(cut, "", 1))
        man = man_commands(copy)
        if key[1] == "discard":
            eq(sorted(set(usage) - set(man)), [key])
        else:
            eq(sorted(usage[key] - man[key]), ["--limit"])
    readme = read("README.md")
    cut = "shopctl check                # integrity"
    contains(readme, cut)
    eq(sorted(set(usage) - set(readme_commands(readme.replace(cut, "")))),
       [("check", None)])


@test
def the_usage_is_parsed_whole():
    """So the comparisons above can fail: each kind of entry is seen."""
    usage, _ = usage_commands()
    eq(usage[("migrate", None)], set())
    eq(sorted(usage[("jobs", "enqueue")]), ["-a", "-d", "-p", "-q", "-u"])
    eq(sorted(usage[("orders", "ship")]), ["--carrier", "--tracking",
                                           "--url"])
    eq(sorted(usage[("orders", "list")]), ["--limit", "--state"])
    eq(sorted(k for k in usage if k[0] == "jobs"),
       [("jobs", "discard"), ("jobs", "enqueue"), ("jobs", "list"),
        ("jobs", "retry")])
    eq(sorted(usage[("import", "shopify")]), ["--dry-run",
                                              "--fetch-images", "--images"])
    eq(sorted(usage[("export", "orders")]), ["--csv", "--from", "--lines",
                                             "--to"])
    eq(len(usage), 23)
    eq(len(man_commands("man/shopctl.8")), 23)


run()
