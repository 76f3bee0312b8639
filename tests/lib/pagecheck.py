"""Checks every storefront page must pass, for the catalog tests.

check_page() parses an HTML answer and fails on anything the layout
promises not to do: elements left open or closed out of order, a missing
doctype or lang, other than one h1, an image without alt, width or
height, a form control without a label, a duplicate id, inline script,
style or event handlers. check_headers() checks the security headers of
DESIGN.md. Standard library only.
"""

import html
import json
import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.doctype = False
        self.lang = None
        self.h1 = 0
        self.ids = set()
        self.label_for = set()
        self.controls = []          # (id, attrs, inside a label)
        self.images = []
        self.main = 0

    script_open = False
    data_block = None               # the text of a JSON-LD data block

    def handle_data(self, data):
        if self.data_block is not None:
            self.data_block += data
        elif self.script_open and data.strip():
            self.error("inline script")

    def error(self, msg):
        self.errors.append(f"line {self.getpos()[0]}: {msg}")

    def handle_decl(self, decl):
        if decl.lower() == "doctype html":
            self.doctype = True

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        # Scripts only from the site's own static files, never inline;
        # a JSON-LD block is data, never run, and must be JSON in which
        # no "<" can end the element early.
        if tag == "script" and a.get("type") == "application/ld+json":
            self.data_block = ""
        elif tag == "script" and not (a.get("src") or
                                      "").startswith("/static/"):
            self.error("<script> element without a /static/ src")
        if tag == "script":
            self.script_open = True
        if tag == "style":
            self.error("<style> element")
        if "style" in a:
            self.error(f"inline style on <{tag}>")
        for k in a:
            if k.startswith("on"):
                self.error(f"inline handler {k} on <{tag}>")
        if "id" in a:
            if a["id"] in self.ids:
                self.error(f"duplicate id {a['id']!r}")
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "main":
            self.main += 1
        elif tag == "img":
            self.images.append(a)
            for k in ("alt", "width", "height"):
                if k not in a:
                    self.error(f"<img src={a.get('src')!r}> without {k}")
        elif tag == "label" and "for" in a:
            self.label_for.add(a["for"])
        if tag in ("select", "textarea") or (
                tag == "input" and a.get("type") not in UNLABELLED_INPUTS):
            self.controls.append((a.get("id"), a, "label" in self.stack))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "script" and self.data_block is not None:
            if "<" in self.data_block or ">" in self.data_block:
                self.error("< or > in a JSON-LD block")
            try:
                json.loads(self.data_block)
            except ValueError as e:
                self.error(f"a JSON-LD block that is not JSON: {e}")
            self.data_block = None
        if tag == "script":
            self.script_open = False
        if tag in VOID:
            self.error(f"end tag for void element </{tag}>")
        elif not self.stack or self.stack[-1] != tag:
            self.error(f"</{tag}> closes <{self.stack[-1] if self.stack else '-'}>")
        else:
            self.stack.pop()


def check_page(resp):
    """Parse an HTML answer and raise AssertionError listing what is wrong.
    Returns the parser (images, ids) for further checks."""
    ct = resp.header("Content-Type")
    if ct != "text/html; charset=utf-8":
        raise AssertionError(f"Content-Type {ct!r}")
    p = _Page()
    p.feed(resp.text)
    p.close()
    errors = list(p.errors)
    if not p.doctype:
        errors.append("no <!doctype html>")
    if p.lang != "en":
        errors.append(f"<html lang={p.lang!r}>")
    if p.h1 != 1:
        errors.append(f"{p.h1} h1 elements")
    if p.main != 1:
        errors.append(f"{p.main} main elements")
    if p.stack:
        errors.append(f"left open: {p.stack}")
    for cid, attrs, in_label in p.controls:
        if not in_label and cid not in p.label_for and \
                "aria-label" not in attrs:
            errors.append(f"control without a label: {attrs}")
    if errors:
        raise AssertionError("page problems:\n  " + "\n  ".join(errors))
    return p


def check_headers(resp):
    """The security headers every answer carries."""
    csp = resp.header("Content-Security-Policy") or ""
    for part in ("default-src 'self'", "frame-ancestors 'none'",
                 "object-src 'none'"):
        if part not in csp:
            raise AssertionError(f"CSP {csp!r} lacks {part!r}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        raise AssertionError(f"CSP {csp!r} allows inline code")
    want = {"X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin"}
    for k, v in want.items():
        if resp.header(k) != v:
            raise AssertionError(f"{k}: {resp.header(k)!r}, want {v!r}")


def text(fragment):
    """The text of an HTML fragment: tags dropped, references decoded,
    white space collapsed."""
    t = re.sub(r"<[^>]*>", "", fragment)
    return re.sub(r"\s+", " ", html.unescape(t)).strip()


def between(s, start, end):
    """The part of s after the first start and before the next end."""
    i = s.index(start) + len(start)
    return s[i:s.index(end, i)]


def card_names(page):
    """The product names of the cards of a list page, in order."""
    return [html.unescape(n) for n in
            re.findall(r'<h[23] class="card-title">([^<]*)</h[23]>', page)]


def hrefs(page):
    """Every href of a page, decoded."""
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]


def fts_query(q):
    """What lib/shop/catalog.c's catalog_fts_query() builds, for comparing
    search results with SQL."""
    terms = []
    for w in re.split(r"[ \t\r\n\f\v]+", q):
        if not w:
            continue
        if not any(c.isascii() and c.isalnum() or not c.isascii()
                   for c in w):
            continue
        terms.append('"' + w.replace('"', '""') + '"*')
        if len(terms) == 16:
            break
    return " ".join(terms)
