"""The 400 and 405 pages in plain words: what happened and what to do,
the precise cause of a malformed request after it; other error pages
keep their reason phrase."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import shoptest  # noqa: E402
from shoptest import contains, eq, lacks, status, test  # noqa: E402
import shopfixture as fx  # noqa: E402

D = fx.datadir()
SAID_405 = ("This address was reached in a way it does not answer: an old "
            "link, a bookmark, or a page reloaded after a form. Nothing was "
            "changed. Go back and try again, or start again from the home "
            "page.")
SAID_400 = ("Part of what your browser sent was garbled or missing, so "
            "nothing was done. Go back and try again, or start again from "
            "the home page.")


def page_of(r):
    return r.text[r.text.index('<section class="error-page"'):
                  r.text.index("</section>")]


@test
def method_not_allowed_in_plain_words():
    for prog, method, path in (("cart", "GET", "/cart/items"),
                               ("cart", "GET", "/cart/items/12/delete"),
                               ("catalog", "POST", "/products"),
                               ("checkout", "GET", "/orders/" + "a" * 32 +
                                "/pay")):
        r = shoptest.cgi(prog, path, method, data_dir=D)
        status(r, 405)
        sec = page_of(r)
        contains(sec, '<p class="error-status">Error 405</p>')
        contains(sec, '<h1 id="error-title">This page can’t do that</h1>')
        contains(sec, f'<p class="lead">{SAID_405}</p>')
        lacks(sec, "does not accept")
        lacks(sec, "Method Not Allowed")
        lacks(sec, "What was wrong")
    eq(r.header("Allow"), "POST")


@test
def method_not_allowed_json():
    r = shoptest.cgi("cart", "/cart/items", "GET", data_dir=D,
                     headers={"Accept": "application/json"})
    status(r, 405)
    eq(r.json(), {"ok": False, "status": 405, "error": SAID_405})


@test
def bad_request_in_plain_words_then_the_cause():
    for query, cause in (("q=%ff", "The query string is malformed: "),
                         ("q=mug%00tea", "The query string is malformed: ")):
        r = shoptest.cgi("catalog", "/search", query=query, data_dir=D)
        status(r, 400)
        sec = page_of(r)
        contains(sec, '<h1 id="error-title">This link or form did not make '
                 'sense to us</h1>')
        contains(sec, f'<p class="lead">{SAID_400}</p>')
        contains(sec, '<p class="hint">What was wrong: ' + cause)
        lacks(sec, "Bad Request")


@test
def bad_path_is_a_plain_400():
    r = shoptest.cgi("catalog", "/products/%ff", data_dir=D,
                     env={"REQUEST_URI": "/products/%ff"})
    status(r, 400)
    contains(page_of(r), '<p class="hint">What was wrong: The address is '
             'malformed: ')


@test
def other_errors_keep_their_reason():
    r = shoptest.cgi("catalog", "/products/no-such-thing", data_dir=D)
    status(r, 404)
    contains(page_of(r), '<h1 id="error-title">Not Found</h1>')
    lacks(page_of(r), "What was wrong")


shoptest.run()
