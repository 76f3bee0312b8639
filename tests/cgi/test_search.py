#!/usr/bin/env python3
"""Search (/search?q=) run as CGI on the seeded demo store: prefix,
case-insensitive and accent-folded matching, highlighted names and
snippets, pagination, the empty and the no-results pages, and terms that
look like SQL, HTML or FTS5 syntax, which must find harmlessly and come
back escaped. Expected results come from SQLite's FTS5 on the same data,
queried with the expression the program is specified to build."""

import html
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from shoptest import (cgi, contains, datadir, eq, lacks, run, sql, status,  # noqa: E402
                      test)
from pagecheck import check_headers, check_page, fts_query, hrefs  # noqa: E402

D = datadir(seed=True)
JSON = "application/json"


def search(q, page=None, accept=None, data_dir=None):
    query = "q=" + urllib.parse.quote_plus(q)
    if page is not None:
        query += f"&page={page}"
    return cgi("catalog", "/search", query=query,
               headers={"Accept": accept} if accept else None,
               data_dir=data_dir or D)


def expected(q):
    """The slugs FTS5 finds for q, as a set, and how many."""
    m = fts_query(q)
    if not m:
        return set()
    rows = sql(D, "SELECT p.slug FROM product_search s JOIN products p"
                  " ON p.id = s.rowid WHERE product_search MATCH ?"
                  " AND p.active", (m,))
    return {r[0] for r in rows}


def result_slugs(page):
    return re.findall(r'<h2 class="result-title"><a href="/products/'
                      r'([a-z0-9-]+)">', page)


@test
def empty_query_shows_the_form():
    for q in (None, "", "   "):
        r = cgi("catalog", "/search", data_dir=D,
                query="" if q is None else "q=" + urllib.parse.quote(q))
        status(r, 200)
        check_headers(r)
        check_page(r)
        contains(r.text, "<h1>Search</h1>")
        contains(r.text, '<label for="search-q">Search for</label>')
        contains(r.text, '<input id="search-q" type="search" name="q" '
                         'value="" maxlength="200">')
        contains(r.text, '<a href="/categories/mugs">')
        lacks(r.text, "Nothing matched")
        lacks(r.text, '<li class="result">')


@test
def prefix_finds_mugs():
    mugs = {r[0] for r in sql(D, "SELECT p.slug FROM products p JOIN"
                                 " categories c ON c.id = p.category_id"
                                 " WHERE c.slug = 'mugs'")}
    want = expected("mu")
    eq(mugs <= want, True, f"mugs {mugs - want} not found by 'mu'")
    r = search("mu")
    status(r, 200)
    check_page(r)
    eq(set(result_slugs(r.text)), want)
    contains(r.text, "<title>Search: mu · Shopfile</title>")
    contains(r.text, "<h1>Search results for “mu”</h1>")
    contains(r.text, f'<p class="count">{len(want)} results</p>')
    contains(r.text, '<a href="/products/stoneware-mug">Stoneware '
                     '<mark>Mug</mark></a>')
    # The header's search box keeps the query.
    contains(r.text, 'name="q" value="mu" placeholder="Search"')


@test
def case_does_not_matter():
    want = expected("mug")
    eq(len(want) >= 8, True)
    for q in ("MUG", "Mug", "mUg"):
        eq(set(result_slugs(search(q).text)), want, q)


@test
def accents_are_folded():
    want = {"creme-brulee-candle", "earl-grey-creme", "creme-glaze-mug"}
    eq(expected("creme"), want)
    for q in ("creme", "crème", "CRÈME", "Crème"):
        r = search(q)
        status(r, 200)
        eq(set(result_slugs(r.text)), want, q)
    # A prefix finds the folded word and others ("crema").
    eq(set(result_slugs(search("CRÈM").text)), expected("crem"))
    eq(want < expected("crem"), True)
    r = search("brulee")
    contains(r.text, '<a href="/products/creme-brulee-candle">Crème '
                     '<mark>Brûlée</mark> Candle</a>')
    r = search("ete")
    contains(r.text, "Jardin d&#39;<mark>Été</mark> Print")


@test
def snippet_is_highlighted():
    r = search("bergamot")
    status(r, 200)
    eq(result_slugs(r.text), ["earl-grey-creme"])
    contains(r.text, '<p class="snippet">Black tea with <mark>bergamot'
                     '</mark> and a hint of vanilla, smooth with or without '
                     'milk.</p>')
    j = search("bergamot vanilla", accept=JSON).json()
    eq(j["total"], 1)
    res = j["results"][0]
    eq(res["slug"], "earl-grey-creme")
    eq(res["name_marked"], [{"text": "Earl Grey Crème", "hit": False}])
    eq(res["snippet"], [
        {"text": "Black tea with ", "hit": False},
        {"text": "bergamot", "hit": True},
        {"text": " and a hint of ", "hit": False},
        {"text": "vanilla", "hit": True},
        {"text": ", smooth with or without milk.", "hit": False}])
    eq(res["price"]["formatted"], "€9.00")


@test
def several_words_must_all_match():
    want = expected("linen notebook")
    eq(want, {"a5-linen-notebook"})
    eq(result_slugs(search("linen notebook").text), ["a5-linen-notebook"])
    # "t-shirt" is the phrase "t shirt*": the category T-shirts.
    eq(len(expected("t-shirt")), 8)
    eq(set(result_slugs(search("t-shirt").text)), expected("t-shirt"))
    eq(set(result_slugs(search("cotton tee").text)), expected("cotton tee"))


@test
def no_results_page_helps():
    r = search("zzqqx")
    status(r, 200)
    check_page(r)
    contains(r.text, '<h2 id="no-results-title">Nothing matched “zzqqx”'
                     '</h2>')
    contains(r.text, "Check the spelling, or try fewer words.")
    contains(r.text, '<a href="/products">browse all products</a>')
    contains(r.text, '<a href="/categories/tea"><span class="category-name">'
                     'Tea</span>')
    lacks(r.text, '<li class="result">')
    j = search("zzqqx", accept=JSON).json()
    eq((j["q"], j["total"], j["results"], j["no_results"]),
       ("zzqqx", 0, [], True))
    eq(len(j["categories"]), 8)


@test
def sql_in_the_query_is_harmless():
    q = "'; DROP TABLE products; --"
    eq(expected(q), set())
    r = search(q)
    status(r, 200)
    check_page(r)
    contains(r.text, "Nothing matched “&#39;; DROP TABLE products; --”")
    contains(r.text, 'value="&#39;; DROP TABLE products; --"')
    eq(sql(D, "SELECT count(*) FROM products"), [(64,)])
    r = search("mug' OR 1=1 --")
    status(r, 200)
    eq(set(result_slugs(r.text)), expected("mug' OR 1=1 --"))


@test
def html_in_the_query_is_escaped():
    q = '<script>alert("x")</script>'
    r = search(q)
    status(r, 200)
    check_page(r)
    lacks(r.text, "<script>")
    contains(r.text, "Nothing matched “&lt;script&gt;alert(&quot;x&quot;)"
                     "&lt;/script&gt;”")
    r = search('<b onmouseover="x">mug</b>')
    status(r, 200)
    check_page(r)
    lacks(r.text, "<b onmouseover")


@test
def fts_syntax_is_only_text():
    for q in ('mug OR tee', 'NEAR(mug tee)', '"unbalanced', 'name:mug',
              '^mug', '-mug', '* mug', 'mug AND NOT tee', '""'):
        r = search(q)
        status(r, 200)
        eq(set(result_slugs(r.text)), expected(q), q)


@test
def results_come_a_page_at_a_time():
    want = expected("and")
    eq(len(want) > 24, True, "enough results for three pages")
    pages = (len(want) + 11) // 12
    r = search("and")
    status(r, 200)
    first = result_slugs(r.text)
    eq(len(first), 12)
    contains(r.text, f'<p class="pager-status">Page 1 of {pages}</p>')
    contains(hrefs(r.text), "/search?q=and&page=2")
    r = search("and", page=2)
    status(r, 200)
    second = result_slugs(r.text)
    eq(set(first) & set(second), set())
    contains(r.text, "<title>Search: and, page 2 · Shopfile</title>")
    r = search("and", page=pages)
    eq(set(first) | set(second) | set(result_slugs(r.text)), want)
    r = search("and", page=pages + 1)
    status(r, 404)
    contains(r.text, f"There is no page {pages + 1} of the results: there "
                     f"are only {pages}.")
    contains(r.text, 'href="/search?q=and">Go to the first page</a>')
    # The query goes back into links percent-encoded.
    r = search("crème & co", accept=JSON)
    eq(r.json()["pagination"]["links"][0]["url"],
       "/search?q=cr%C3%A8me%20%26%20co")


@test
def length_limit():
    r = search("a" * 200)
    status(r, 200)
    r = search("a" * 201)
    status(r, 400)
    check_page(r)
    contains(r.text, "The search is too long: at most 200 characters are "
                     "looked for.")
    r = search("é" * 101, accept=JSON)
    status(r, 400)
    eq(r.json()["error"], "The search is too long: at most 200 characters "
                          "are looked for.")


@test
def control_characters_are_refused():
    r = cgi("catalog", "/search", query="q=mug%01", data_dir=D)
    status(r, 400)
    contains(r.text, "The search contains control characters.")
    r = cgi("catalog", "/search", query="q=mug%09tea", data_dir=D)
    status(r, 200)


@test
def search_index_follows_changes():
    d = datadir(seed=True)
    sql(d, "UPDATE products SET name = 'Zanzibar Mug' WHERE slug ="
           " 'tall-latte-mug'")
    r = search("zanzibar", data_dir=d)
    eq(result_slugs(r.text), ["tall-latte-mug"])
    contains(r.text, "<mark>Zanzibar</mark> Mug")
    eq(result_slugs(search("latte", data_dir=d).text), [])
    sql(d, "UPDATE categories SET name = 'Cups' WHERE slug = 'mugs'")
    eq(len(result_slugs(search("cups", data_dir=d).text)), 8)


run()
