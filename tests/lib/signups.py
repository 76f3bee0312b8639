"""Finishing a sign-up by the link of its mail, as its owner would: the
worker writes the mail into <data>/mail/, the link's token is read from
it, and the link's form is posted (as CGI, or through a Client).

Standard library only; uses shoptest."""

import email
import email.policy
import glob
import os
import re

import shoptest

LINK = re.compile(r"/account/confirm\?token=([A-Za-z0-9_-]{43})")


def token_for(data_dir, address, env=None):
    """The token of the newest sign-up mail to address, after running the
    worker once."""
    shoptest.worker_once(data_dir, env)
    found = []
    for p in glob.glob(os.path.join(data_dir, "mail", "*.eml")):
        with open(p, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        if address.strip().lower() not in m["To"].lower():
            continue
        got = LINK.search(m.get_body(("plain",)).get_content())
        if got:
            found.append((os.path.getmtime(p), got.group(1)))
    if not found:
        raise AssertionError(f"no sign-up mail to {address} in {data_dir}")
    return max(found)[1]


def confirm_cgi(data_dir, address, cookie=None, env=None, headers=None):
    """Post the link's form of address's sign-up as CGI; the answer."""
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    token = token_for(data_dir, address)
    return shoptest.cgi("account", "/account/confirm", "POST",
                        body=shoptest.form(token=token), headers=h,
                        data_dir=data_dir, env=env)


def confirm_client(client, data_dir, address, headers=None):
    """Follow address's sign-up link with a Client: the page, then its
    form. Returns the form's answer."""
    token = token_for(data_dir, address)
    r = client.get("/account/confirm?token=" + token)
    if r.status != 200:
        raise AssertionError(f"confirm page: {r.status} {r.body[:300]!r}")
    return client.post("/account/confirm", {"token": token},
                       headers=headers)
