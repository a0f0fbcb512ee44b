"""A folder of hostile replay inputs, and what each one should become.

``write_hostile_inputs(folder)`` writes every kind of file input the replay
spider handles: good pages among broken ones, bad sidecars, symlink loops,
YAML bombs, malformed WARCs, odd file names, malicious titles. It returns
the cases: for each input its category and the outcomes expected
(``stored``, ``drop:<reason>``, ``skip:<reason>``, or ``any`` where the
outcome is the page extraction's business, not the replay's), so that a
test or a benchmark can replay the folder and tally category -> outcome.

All text here is written for these tests. ``big=True`` adds the slow
inputs (a 50 MB page, a page of 1,000,000 paragraphs).
"""

from __future__ import annotations

import gzip
import io
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# The modification time of every file written: a page whose sidecar gives
# no usable fetched_at is fetched at this time.
MTIME = 1577934245  # 2020-01-02T03:04:05Z
MTIME_ISO = "2020-01-02T03:04:05Z"
LIMIT = 10_000_000  # NEWSCRAWL_MAX_PAGE_BYTES's default

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="2024-03-01T10:00:00+01:00">
<meta name="author" content="Ana Silva"></head><body><h1>{title}</h1>
<article itemprop="articleBody"><p>{title}: the first paragraph of this
hostile-input test page says something long enough to be a body.</p>
<p>A second paragraph closes it.</p></article></body></html>"""

POST = """---
title: '{title}'
date: 2024-03-05 10:00:00
author: Ana Silva
{extra}
---
<p>{title}: a post whose first paragraph says something long enough to keep.</p>
<p>And a second paragraph.</p>
"""


@dataclass
class Case:
    """One input file (a WARC: its records) and what it must become."""

    name: str  # relative to the folder
    category: str
    outcomes: list[str]
    titles: list[str] = field(default_factory=list)  # of the articles it must store
    fetched_at: str | None = None  # of its article, when the case is about it


def page(title: str) -> bytes:
    """A good article page titled ``title``."""
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return PAGE.format(title=escaped).encode("utf-8")


class _Writer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cases: list[Case] = []

    def file(self, name: str, data: bytes, category: str, *outcomes: str, **kw: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (MTIME, MTIME))
        self.add(name, category, *outcomes, **kw)
        return path

    def add(self, name: str, category: str, *outcomes: str, **kw: str) -> None:
        titles = [kw["title"]] if "title" in kw else []
        self.cases.append(Case(name, category, list(outcomes), titles, kw.get("fetched_at")))

    def good(self, name: str, title: str, category: str) -> Path:
        return self.file(name, page(title), category, "stored", title=title)


def _record(
    writer: WARCWriter,
    url: str,
    body: bytes,
    rec_type: str = "response",
    ctype: str = "text/html; charset=utf-8",
    status: str = "200 OK",
    date: str = "2024-03-06T12:00:00Z",
    extra_headers: list[tuple[str, str]] | None = None,
) -> None:
    http = None
    if rec_type in ("response", "request", "revisit"):
        statusline = "GET / HTTP/1.1" if rec_type == "request" else status
        headers = [("Content-Type", ctype), *(extra_headers or [])]
        http = StatusAndHeaders(
            statusline, headers, protocol="" if rec_type == "request" else "HTTP/1.1"
        )
    # A record ID from the URL, not a random one: the cut-member cases cut the
    # compressed bytes at a fixed offset, and random IDs made those bytes (and so
    # what a reader recovers after the cut) differ from run to run.
    record_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{rec_type} {url} {date}")
    warc_headers = {"WARC-Date": date, "WARC-Record-ID": f"<urn:uuid:{record_id}>"}
    if rec_type in ("resource", "metadata", "conversion"):
        warc_headers["Content-Type"] = ctype
    rec = writer.create_warc_record(
        url,
        rec_type,
        payload=io.BytesIO(body),
        http_headers=http,
        warc_headers_dict=warc_headers,
        length=None,
    )
    writer.write_record(rec)


def _warc(records: list[dict[str, object]], gz: bool) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    for r in records:
        _record(writer, **r)  # type: ignore[arg-type]
    return out.getvalue()


def write_hostile_inputs(root: Path, big: bool = False) -> list[Case]:
    """Write the hostile inputs under ``root``; the cases, one per input file."""
    w = _Writer(root)
    root.mkdir(parents=True, exist_ok=True)

    # --- good pages (the control group) ------------------------------------
    for i in range(3):
        w.good(f"good/page{i}.html", f"Good page number {i}", "good")
    w.file(
        "good/post.md",
        POST.format(title="Good post", extra="").encode(),
        "good",
        "stored",
        title="Good post",
    )
    w.file(
        "good/zipped.html.gz",
        gzip.compress(page("Gzipped saved page")),
        "gzip",
        "stored",
        title="Gzipped saved page",
    )

    # --- the folder walk ---------------------------------------------------
    walk = root / "walk"
    walk.mkdir()
    (walk / "loop").symlink_to("loop")
    w.add("walk/loop", "symlink", "drop:symlink_loop")
    (walk / "ping.html").symlink_to("pong.html")
    (walk / "pong.html").symlink_to("ping.html")
    w.add("walk/ping.html", "symlink", "drop:symlink_loop")
    w.add("walk/pong.html", "symlink", "drop:symlink_loop")
    (walk / "dangling.html").symlink_to("no-such-page.html")
    w.add("walk/dangling.html", "symlink", "drop:dangling_symlink")
    (walk / "outside").symlink_to("/", target_is_directory=True)
    w.add("walk/outside", "symlink", "drop:symlinked_folder")
    (walk / "inside").symlink_to("../good", target_is_directory=True)  # walked as good/
    (walk / "copy.html").symlink_to("../good/page0.html")  # read once, as good/page0.html
    (walk / "proc-mem.html").symlink_to("/proc/self/mem")  # a file read() refuses (EIO)
    w.add("walk/proc-mem.html", "unreadable file", "drop:unreadable_file")
    os.mkfifo(walk / "fifo.html")
    w.add("walk/fifo.html", "special file", "drop:not_a_file")
    deep = "/".join(["d"] * 60)
    w.good(f"walk/{deep}/deep.html", "Page sixty folders deep", "deep folders")
    w.good("walk/z-after-the-bad-entries.html", "Page after the bad entries", "symlink")
    locked = w.good("walk/locked/inside.html", "Page in a locked folder", "unreadable folder")
    locked.parent.chmod(0)
    if os.geteuid() != 0:  # root reads it anyway
        w.cases[-1] = Case("walk/locked", "unreadable folder", ["drop:unreadable_folder"])

    # --- sidecars: the page is stored at its own file:// address -----------
    sidecars = {
        "list": b"[1, 2, 3]",
        "string": b'"https://daily.example/x"',
        "number": b"42",
        "null": b"null",
        "invalid": b'{"url": "https://daily.example/x",',
        "deep": b"[" * 50_000,  # within the size limit: a RecursionError to json
        "deeper": b"[" * 100_000 + b"]" * 100_000,  # over the size limit
        "huge": b'{"url": "https://daily.example/x", "pad": "' + b"x" * 200_000 + b'"}',
        "url-js": b'{"url": "javascript:alert(1)"}',
        "url-file": b'{"url": "file:///etc/passwd"}',
        "url-data": b'{"url": "data:text/html,<script>alert(1)</script>"}',
        "url-int": b'{"url": 12345}',
        "url-nohost": b'{"url": "https:///path"}',
        "date-garbage": b'{"fetched_at": "yesterday-ish"}',
        "date-9999": b'{"fetched_at": "9999-12-31T23:59:59Z"}',
        "date-naive": b'{"fetched_at": "2024-03-01T10:00:00"}',
        "date-int": b'{"fetched_at": 1709287200}',
    }
    for name, data in sidecars.items():
        w.file(f"sidecar/{name}.json", data, "bad sidecar")
        w.cases.pop()  # a sidecar is no input; its page is
        w.file(
            f"sidecar/{name}.html",
            page(f"Page with a bad sidecar {name}"),
            "bad sidecar",
            "stored",
            title=f"Page with a bad sidecar {name}",
            fetched_at=MTIME_ISO,
        )

    # --- Markdown front matter -------------------------------------------
    def post(name: str, extra: str, *outcomes: str, title: str | None = None) -> None:
        t = title or f"Post with {name}"
        data = POST.format(title=t, extra=extra).encode("utf-8")
        w.file(
            f"markdown/{name}.md",
            data,
            "markdown",
            *outcomes,
            **({"title": t} if "stored" in outcomes else {}),
        )

    post("url-int", "url: 3", "stored")
    post("url-list", "url: [https://a.example/1, https://a.example/2]", "stored")
    post("url-js", "url: 'javascript:alert(1)'", "stored")
    post("headimg-int", "headimg: 7", "stored")
    post("categories-map", "categories: {a: 1}", "stored")
    post("surrogate", 'tags: "\\ud800"', "stored")
    post("bad-date", "date2: x\ndescription: [1, [2]]", "stored")
    post("python-tag", "x: !!python/object/apply:os.system ['echo pwned']", "drop:bad_markdown")
    post("deep", "x: " + "[" * 10_000 + "]" * 10_000, "drop:bad_markdown")
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        laughs.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    post("billion-laughs", "\n".join(laughs), "drop:bad_markdown")
    post("huge-front", "pad: '" + "x" * 3_000_000 + "'", "drop:bad_markdown")
    post("not-mapping", "", "drop:bad_markdown")
    (root / "markdown" / "not-mapping.md").write_bytes(b"---\n- a\n- b\n---\n<p>x</p>\n")
    w.file("markdown/no-front.md", b"# Just a heading\n\nText.\n", "markdown", "drop:bad_markdown")
    w.file("markdown/unclosed.md", b"---\ntitle: x\n\n<p>x</p>\n", "markdown", "drop:bad_markdown")
    w.file(
        "markdown/not-utf8.md",
        b"---\ntitle: \xff\xfe\n---\n<p>x</p>\n",
        "markdown",
        "drop:bad_markdown",
    )
    w.file("markdown/empty.md", b"", "markdown", "drop:empty_file")

    # --- gzip and size limits -----------------------------------------------
    zipped = gzip.compress(page("A page cut short in its gzip"))
    w.file("gzip/corrupt.html.gz", b"\x1f\x8b\x08\x00" + os.urandom(64), "gzip", "drop:bad_gzip")
    w.file("gzip/truncated.htm.gz", zipped[: len(zipped) // 2], "gzip", "drop:bad_gzip")
    w.file("gzip/not-gzip.html.gz", page("Not gzipped at all"), "gzip", "drop:bad_gzip")
    bomb = gzip.compress(b"<html><body><p>" + b"a" * (LIMIT + 1000), compresslevel=1)
    w.file("gzip/bomb.html.gz", bomb, "size", "drop:too_large")
    sparse = w.file("size/sparse-11MB.html", b"", "size", "drop:too_large")
    with sparse.open("r+b") as f:
        f.truncate(LIMIT + 1_000_000)  # a hole: 11 MB by stat, no disk written
    os.utime(sparse, (MTIME, MTIME))

    # --- WARC files ---------------------------------------------------------
    good_rec = {"url": "https://warc.example/2024/one", "body": page("WARC page one")}
    # fmt: off
    mixed = [  # (record, its outcome)
        ({"url": "", "body": b"software: test\r\n", "rec_type": "warcinfo"}, "skip:warcinfo_record"),
        ({"url": "https://warc.example/2024/one", "body": b"", "rec_type": "request"}, "skip:request_record"),
        ({**good_rec, "date": "not a date at all"}, "stored"),
        ({"url": "https://warc.example/2024/two", "body": page("WARC page two")}, "stored"),
        ({"url": "https://warc.example/logo.png", "body": b"\x89PNG", "ctype": "image/png"}, "skip:not_html_record"),
        ({"url": "https://warc.example/m", "body": b"a: b", "rec_type": "metadata"}, "skip:metadata_record"),
        ({"url": "https://warc.example/r", "body": page("Resource page"), "rec_type": "resource",
          "ctype": "text/html"}, "stored"),
        ({"url": "https://warc.example/t.txt", "body": b"plain", "rec_type": "resource",
          "ctype": "text/plain"}, "skip:not_html_record"),
        ({"url": "javascript:alert(1)", "body": page("Script address")}, "drop:bad_target_uri"),
        ({"url": "file:///etc/passwd", "body": page("File address")}, "drop:bad_target_uri"),
        ({"url": "https://warc.example/gone", "body": page("Gone"), "status": "404 Not Found"}, "drop:http_error"),
        ({"url": "https://warc.example/moved", "body": b"<a href=x>moved</a>", "status": "301 Moved"},
         "skip:redirect_record"),
        ({"url": "https://warc.example/2024/three", "body": page("WARC page three"), "date": "9999-99-99"},
         "stored"),
        ({"url": "https://warc.example/2024/one", "body": b"", "rec_type": "revisit"}, "skip:revisit_record"),
        ({"url": "https://warc.example/c", "body": b"text", "rec_type": "conversion", "ctype": "text/plain"},
         "skip:conversion_record"),
    ]
    # fmt: on
    w.file(
        "warc/mixed.warc.gz",
        _warc([r for r, _ in mixed], gz=True),
        "warc",
        *[outcome for _, outcome in mixed],
    )
    w.cases[-1].titles = ["WARC page one", "WARC page two", "Resource page", "WARC page three"]
    plain = _warc(
        [
            {"url": "https://warc.example/2024/whole-a", "body": page("Whole-file gzip page A")},
            {"url": "https://warc.example/2024/whole-b", "body": page("Whole-file gzip page B")},
        ],
        gz=False,
    )
    w.file("warc/whole-file.warc.gz", gzip.compress(plain), "warc", "stored", "stored")
    w.cases[-1].titles = ["Whole-file gzip page A", "Whole-file gzip page B"]
    first = _warc([{"url": "https://warc.example/cut", "body": page("Cut first member")}], gz=True)
    rest = _warc(
        [
            {"url": "https://warc.example/2024/after-cut-1", "body": page("After the cut one")},
            {"url": "https://warc.example/2024/after-cut-2", "body": page("After the cut two")},
        ],
        gz=True,
    )
    w.file(
        "warc/cut-first.warc.gz",
        first[: len(first) // 2] + rest,
        "warc",
        "drop:bad_warc_record",
        "stored",
        "stored",
    )
    w.cases[-1].titles = ["After the cut one", "After the cut two"]
    between = _warc(
        [{"url": "https://warc.example/2024/before", "body": page("Before the garbage")}], gz=False
    )
    after = _warc(
        [{"url": "https://warc.example/2024/after", "body": page("After the garbage")}], gz=False
    )
    w.file(
        "warc/garbage-between.warc",
        between + b"\x00garbage that is no record\r\n" * 20 + after,
        "warc",
        "stored",
        "drop:bad_warc_record",
        "stored",
    )
    w.cases[-1].titles = ["Before the garbage", "After the garbage"]
    tail = _warc(
        [{"url": "https://warc.example/2024/tail", "body": page("Before the cut tail")}], gz=False
    )
    w.file(
        "warc/cut-tail.warc",
        tail + b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\ncut",
        "warc",
        "stored",
        "drop:bad_warc_record",
    )
    w.cases[-1].titles = ["Before the cut tail"]
    w.file("warc/empty.warc", b"", "warc", "drop:empty_file")
    w.file("warc/gzip-of-nothing.warc.gz", gzip.compress(b""), "warc", "drop:bad_warc_record")
    w.file("warc/not-a-warc.warc.gz", b"just some text, not a WARC\n" * 10, "warc", "drop:not_warc")
    w.file(
        "warc/big-record.warc.gz",
        _warc([{"url": "https://warc.example/big", "body": b"<p>" + b"a" * (LIMIT + 10)}], gz=True),
        "size",
        "drop:too_large",
    )

    # --- odd file names -----------------------------------------------------
    for i, name in enumerate(
        ["with space.html", "ünïcødé 新闻.html", "hash#1.html", "q?x=1.html", "pct%20x.html",
         "new\nline.html", "-leading-dash.html", "semi;colon&amp.html"]
    ):  # fmt: skip
        w.good(f"names/{name}", f"Oddly named page {i}", "odd names")

    # --- malicious titles: stored as text, nothing else -------------------
    for i, title in enumerate(
        ["../../etc/passwd", "'; DROP TABLE articles;--", "{{7*7}} ${7*7} <%= 7*7 %>",
         "<script>alert(1)</script>", "\u202eevil\u202c name"]
    ):  # fmt: skip
        w.good(f"titles/t{i}.html", title, "malicious titles")

    # --- page-level trouble (the page extraction's business: any outcome,
    # never a traceback) ------------------------------------------------------
    full = page("A page cut in the middle 新闻报道")
    for name, data in {
        "empty.html": b"",
        "one-byte.html": b"<",
        "bom-only.html": b"\xef\xbb\xbf",
        "utf16-bom-only.html": b"\xff\xfe",
        "binary.html": bytes(range(256)) * 8,
        "cut-mid-tag.html": full[: full.index(b"<article") + 5],
        "cut-mid-char.html": full[: full.index("新".encode()) + 1],
        "json.html": b'{"title": "json", "items": [1, 2, 3]}',
        "rss.html": b'<?xml version="1.0"?><rss><channel><item><title>t</title></item></channel></rss>',
        "nul-bytes.html": b"<html>" + b"\x00" * 100 + b"</html>",
    }.items():
        w.file(f"pages/{name}", data, "page-level", "any")
    if big:
        fifty = b"<html><body><p>" + b"x" * 50_000_000 + b"</p></body></html>"
        w.file("big/50MB.html", fifty, "size", "drop:too_large")
        paras = b"".join(b"<p>p</p>" for _ in range(1_000_000))
        w.file(
            "big/million-paragraphs.html", b"<html><title>Many</title><body>" + paras, "big", "any"
        )

    # Not replayable by name: ignored (no input), named in the closing INFO line.
    (root / "notes.txt").write_text("not replayed", "utf-8")
    (root / "picture.png").write_bytes(b"\x89PNG\r\n")
    return w.cases


IGNORED_BY_NAME = 2  # notes.txt, picture.png (the sidecars are counted too: see the test)
