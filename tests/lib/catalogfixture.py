"""What the back office's catalog tests share: multipart bodies as a
browser sends them, images made here (PNG written with zlib; the small
JPEG and WebP seeds of the image fuzz target), headers that claim a size
they do not have, and the state of the catalog and media folder to prove
that a refused request wrote nothing. Standard library only."""

import json
import os
import struct
import zlib

import shoptest

ROOT = shoptest.ROOT
SEEDS = os.path.join(ROOT, "tests", "fuzz", "corpus", "image")
BOUNDARY = "----shopfileTestBoundary7MA4YWxkTrZu0gW"
# The smallest GIF there is: 1x1, one colour.
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9"
       b"\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02"
       b"\x02D\x01\x00;")


def seed(name):
    """The bytes of a seed image (rgb.jpg, rgb.webp, cmyk.jpg, ...)."""
    with open(os.path.join(SEEDS, name), "rb") as f:
        return f.read()


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + \
        struct.pack(">I", zlib.crc32(body) & 0xffffffff)


def png(width, height, pixels=True):
    """An 8-bit RGB PNG of width x height: a gradient, so that each row
    differs. pixels False: the header says the size but the image data
    is one empty row, as a file that lies about its size would."""
    head = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(
        ">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    if pixels:
        rows = bytearray()
        line = bytearray()
        for x in range(width):
            line += bytes((0, x * 255 // max(width - 1, 1), 128))
        for y in range(height):
            rows.append(0)
            line[0::3] = bytes([y * 255 // max(height - 1, 1)]) * width
            rows += line
        data = zlib.compress(bytes(rows), 6)
    else:
        data = zlib.compress(b"\0" * 4)
    return head + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def noise_png(width, height):
    """An RGB PNG of random pixels: it does not compress, so it is about
    width * height * 3 bytes, as large as a photograph of its size."""
    rows = b"".join(b"\0" + os.urandom(width * 3) for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(
        ">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + \
        _chunk(b"IDAT", zlib.compress(rows, 1)) + _chunk(b"IEND", b"")


def multipart(fields, files):
    """A multipart/form-data body (RFC 7578) and its Content-Type:
    fields {name: value}, files {name: (filename, type, bytes)}."""
    out = bytearray()
    for k, v in fields.items():
        out += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
                f'name="{k}"\r\n\r\n').encode() + str(v).encode() + b"\r\n"
    for k, (filename, ctype, data) in files.items():
        out += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
                f'name="{k}"; filename="{filename}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n").encode() + data + b"\r\n"
    out += f"--{BOUNDARY}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={BOUNDARY}"


def upload(admin, d, pid, data, alt="A mug, from the side",
           filename="photo.png", ctype="image/png", cookie=None, json=False,
           headers=None):
    """POST an image to /admin/products/{pid}/images."""
    body, ct = multipart({"alt": alt} if alt is not None else {},
                         {"image": (filename, ctype, data)}
                         if data is not None else {})
    h = {"Content-Type": ct}
    h.update(headers or {})
    return admin(d, f"/admin/products/{pid}/images", "POST", cookie=cookie,
                 body=body, json=json, headers=h)


def media_files(d):
    """The files of the media folder products/, sorted."""
    p = os.path.join(d, "media", "products")
    return sorted(os.listdir(p)) if os.path.isdir(p) else []


def state(d):
    """What the catalog holds, to prove a refused request wrote nothing."""
    q = ("SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM "
         "variants), (SELECT count(*) FROM images), (SELECT count(*) FROM "
         "categories), (SELECT count(*) FROM stock_movements), (SELECT "
         "count(*) FROM admin_log), (SELECT group_concat(stock) FROM "
         "variants), (SELECT group_concat(price) FROM variants), (SELECT "
         "version FROM catalog_state)")
    return shoptest.sql(d, q)[0] + (tuple(media_files(d)),)


def log(d, action=None):
    """The admin log, oldest first: (action, object_type, object_id,
    label, before, after) with before and after parsed."""
    rows = shoptest.sql(d, "SELECT action, object_type, object_id, label, "
                           "before, after, actor FROM admin_log "
                           "WHERE ?1 IS NULL OR action = ?1 ORDER BY id",
                        (action,))
    return [(a, t, i, lab, json.loads(b) if b else None,
             json.loads(af) if af else None, who)
            for a, t, i, lab, b, af, who in rows]
