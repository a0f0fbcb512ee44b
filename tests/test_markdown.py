"""Markdown posts: the seed format, safe file names, atomic writes, and a
round trip (a post written by newscrawl replays into the same Article)."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURES, corpus_dir, replay
from pagegen import write_page

from newscrawl.exporters.markdown import (
    MarkdownPosts,
    post_filename,
    remove_stale_temp_files,
    render_post,
    slugify,
)
from newscrawl.items import ARTICLE_FIELDS, Article
from newscrawl.spiders.replay import split_front_matter

SAFE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2}|undated)-[\w-]*-[0-9a-f]{12}(-\d+)?\.md$")


def posts_of(folder: Path) -> dict[str, tuple[dict[str, Any], str]]:
    """Front matter and body of every post, by the post's url."""
    out = {}
    for p in sorted(folder.glob("*.md")):
        meta, body = split_front_matter(p.read_text(encoding="utf-8"))
        out[meta["url"]] = (meta, body)
    return out


def instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("'; DROP TABLE articles; --", "drop-table-articles"),
        ("<script>alert(1)</script>", "script-alert-1-script"),
        ("C:\\Windows\\CON", "c-windows-con"),
        ("emoji 🗞️ news", "emoji-news"),
        ("\u202eevil\u200f.exe", "evil-exe"),
        ("a\x00b\x1fc", "a-b-c"),
        ("万余名校长聚焦“双减”落实！", "万余名校长聚焦-双减-落实"),
        ("Ｆｕｌｌｗｉｄｔｈ １２３", "fullwidth-123"),
        ("...", ""),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slug_is_bounded_in_bytes() -> None:
    assert len(slugify("长" * 10_000).encode("utf-8")) <= 80
    assert len(slugify("x" * 10_000)) == 80


def test_file_name_is_stable_and_safe() -> None:
    a = Article(url="https://daily.example/a?utm_source=x", title="../../etc/passwd" * 500)
    b = Article(url="http://daily.example/a", title="../../etc/passwd" * 500)
    assert post_filename(a) == post_filename(b)  # same identity, same file
    name = post_filename(a)
    assert SAFE_NAME.match(name) and len(name.encode()) < 120 and ".." not in name
    c = Article(url="https://daily.example/b", title=a.title, published_at="2024-05-01T08:00+02:00")
    assert post_filename(c) != name and post_filename(c).startswith("2024-05-01-")


def test_collision_gets_a_new_name(tmp_path: Path) -> None:
    posts = MarkdownPosts(tmp_path, iso_dates=False, tags=False)
    a = Article(url="https://daily.example/a", title="Same", body_html="<p>A</p>")
    # Another article already holds the name a would get (a hash collision).
    (tmp_path / post_filename(a)).write_text(
        render_post(Article(url="https://other.example/z", title="Same")), "utf-8"
    )
    path = posts.write(a)
    assert path.name == post_filename(a)[:-3] + "-2.md"
    assert posts.write(a) == path  # and keeps it on a re-run
    assert len(list(tmp_path.glob("*.md"))) == 2


def test_hostile_titles_round_trip_through_the_front_matter(tmp_path: Path) -> None:
    titles = [
        "../../etc/passwd",
        "'; DROP TABLE articles; --",
        "<script>alert('x')</script>",
        "x" * 10_000,
        "a\x00b",
        "emoji 🗞️👩🏽‍💻",
        "\u202eRTL\u200f mark",
        "line\nbreak\n---\nnot the end",
        "\x85\u2028odd breaks",
        "true",
        "2024-05-01",
        "#hash: colon",
    ]
    posts = MarkdownPosts(tmp_path, iso_dates=True, tags=True)
    for i, t in enumerate(titles):
        posts.write(
            Article(
                url=f"https://daily.example/{i}",
                title=t,
                authors=[t],
                categories=[t, "News"],
                tags=[t],
                body_html="<p>Body</p>",
            )
        )
    found = posts_of(tmp_path)
    for i, t in enumerate(titles):
        meta, body = found[f"https://daily.example/{i}"]
        assert meta["title"] == t
        assert meta["author"] == t and meta["categories"] == [t, "News"] and meta["tags"] == [t]
        assert body.strip() == "<p>Body</p>"
    for p in tmp_path.iterdir():
        assert SAFE_NAME.match(p.name), p.name


def test_writes_are_atomic_and_stale_temp_files_go(tmp_path: Path) -> None:
    # A temp file left by a crawl that was killed (its process is gone).
    dead = tmp_path / f".2024-01-01-x-0123456789ab.md.{2**22 + 12345}.tmp"
    dead.write_text("---\ntitle: 'half", "utf-8")
    live = tmp_path / f".2024-01-01-y-0123456789ab.md.{os.getpid()}.tmp"
    live.write_text("being written", "utf-8")
    assert remove_stale_temp_files(tmp_path) == 1
    assert not dead.exists() and live.exists()
    posts = MarkdownPosts(tmp_path, iso_dates=False, tags=False)
    posts.write(Article(url="https://daily.example/a", title="A", body_html="<p>A</p>"))
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        post_filename(Article(url="https://daily.example/a", title="A"))
    ]


def test_dates_rfc2822_by_default_iso_by_option() -> None:
    a = Article(
        url="https://daily.example/a",
        title="A",
        published_at="2021-08-27T14:55:12+08:00",
        updated_at="2021-08-27T16:00:00+08:00",
        tags=["sz300959"],
    )
    meta, _ = split_front_matter(render_post(a))
    assert meta["date"] == "Fri, 27 Aug 2021 06:55:12 GMT"
    assert "updated" not in meta
    # Tags and the update time are fields of the record whatever the options.
    assert meta["tags"] == ["sz300959"] and list(meta).index("tags") > list(meta).index("date")
    assert meta["updated_at"] == "2021-08-27T16:00:00+08:00"
    meta, _ = split_front_matter(render_post(a, iso_dates=True, tags=True))
    assert meta["date"] == "2021-08-27T14:55:12+08:00" and meta["tags"] == ["sz300959"]
    assert meta["updated"] == "2021-08-27T16:00:00+08:00"


# --- through real crawls -------------------------------------------------------

KEPT = ("url", "title", "categories", "body_text", "fingerprint")


def test_round_trip_of_the_fixtures(tmp_path: Path) -> None:
    """Every fixture page → post → replayed post: the same Article, field
    for field (Sina's and generic pages alike; with ``-a site=sina`` too)."""
    first, _ = replay(FIXTURES, tmp_path / "a", "-s", f"NEWSCRAWL_MARKDOWN={tmp_path / 'posts'}")
    posts = list((tmp_path / "posts").glob("*.md"))
    assert len(posts) == len(first) > 0
    sites = {r["site"] for r in first}
    assert {"sina", "generic"} <= sites
    back, _ = replay(tmp_path / "posts", tmp_path / "b")
    by_url = {r["url"]: r for r in back}
    assert len(back) == len(first)
    for orig in first:
        again = by_url[orig["url"]]
        assert again == orig, orig["url"]
        assert list(again) == list(ARTICLE_FIELDS)
    # The fields newscrawl once lost on the way, filled somewhere in the fixtures.
    for name in ("editors", "source", "original_title", "tags", "updated_at", "authors"):
        assert any(r[name] for r in first), name
    assert any(r["published_at"].endswith("+08:00") for r in back if r["site"] == "sina")
    sina = [p for p in posts if "site: sina" in p.read_text("utf-8")]
    forced, _ = replay(tmp_path / "posts", tmp_path / "c", "-a", "site=sina")
    by_url = {r["url"]: r for r in forced}
    for orig in first:
        if orig["site"] == "sina":
            assert by_url[orig["url"]] == orig
    assert sina


def test_a_post_reads_back_into_the_same_article(tmp_path: Path) -> None:
    """Without a crawl: a generic and a Sina article of our own, every field
    filled, written as posts and read back by the replay spider's reader."""
    from newscrawl.spiders.replay_posts import post_record

    articles = [
        Article(
            url="https://finance.sina.com.cn/roll/2024-05-03/doc-test0001.shtml",
            canonical_url="https://finance.sina.com.cn/roll/2024-05-03/doc-test0001.shtml",
            site="sina",
            title="港口吞吐量创十年新高：'一季度'数据",
            published_at="2024-05-03T10:00:00+08:00",
            published_raw="2024年05月03日 10:00",
            published_from="visible",
            updated_at="2024-05-03T12:30:00+08:00",
            authors=["王小明", "李华"],
            editors=["张三 SN098"],
            source="新华社",
            original_title="港口一季度吞吐量: 创新高",
            categories=["财经", "国内"],
            tags=["sz300959", "港口"],
            lead="null",
            body_html="<p>第一段。</p>\n<p>第二段：true</p>",
            body_text="第一段。\n第二段：true",
            images=[{"url": "https://n.sinaimg.cn/x.jpg", "caption": "港口"}],
            language="zh",
            fetched_at="2024-05-03T02:05:00Z",
            fingerprint="0123abcd",
        ),
        Article(
            url="https://news.example.test/2024/05/harbour",
            site="generic",
            title="Harbour traffic: 2024-05-03",
            published_at="2024-05-03T01:00:00+00:00",
            body_html="<p>One.</p>",
            body_text="One.",
            fetched_at="2024-05-03T02:05:00Z",
            fingerprint="ffff",
        ),
    ]
    for article in articles:
        for options in ((False, False), (True, True)):
            meta, body = split_front_matter(render_post(article, *options))
            record = post_record(meta, body, lambda key: pytest.fail(key))
            assert record is not None
            expected = {k: v for k, v in vars(article).items() if k not in ("raw", "body_text")}
            assert record == expected


def test_round_trip_with_iso_dates_and_tags(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    write_page(pages, 1)
    write_page(pages, 2)
    first, _ = replay(
        pages,
        tmp_path / "a",
        "-s",
        f"NEWSCRAWL_MARKDOWN={tmp_path / 'posts'}",
        "-s",
        "NEWSCRAWL_MARKDOWN_ISO_DATES=true",
        "-s",
        "NEWSCRAWL_MARKDOWN_TAGS=true",
    )
    back, _ = replay(tmp_path / "posts", tmp_path / "b")
    by_url = {r["url"]: r for r in back}
    assert len(first) == 2
    for orig in first:
        again = by_url[orig["url"]]
        for k in (*KEPT, "published_at", "authors", "tags"):
            assert again[k] == orig[k], k


def test_a_seed_post_replayed_and_written_again(tmp_path: Path) -> None:
    """A seed → Article → newscrawl's post: the same front matter keys and values."""
    seeds = corpus_dir("seeds")
    seed = sorted(seeds.glob("*.md"))[0]
    records, _ = replay(seed, tmp_path / "a", "-s", f"NEWSCRAWL_MARKDOWN={tmp_path / 'posts'}")
    (post,) = list((tmp_path / "posts").glob("*.md"))
    seed_meta, _ = split_front_matter(seed.read_text(encoding="utf-8"))
    meta, body = split_front_matter(post.read_text(encoding="utf-8"))
    assert meta["title"] == seed_meta["title"]
    assert meta["date"] == seed_meta["date"]
    assert meta["comments"] is False
    # The seed's keys as they are, then every other field of the Article.
    head = [k for k in meta if k in {*seed_meta, "url"}]
    assert list(meta)[: len(head)] == head
    assert set(meta) <= {*seed_meta, "url", "tags", "updated", *ARTICLE_FIELDS}
    assert meta["site"] == "sina" and meta["published_at"] == records[0]["published_at"]
    assert records[0]["body_html"].strip() == body.strip()
    # The seed's "新浪财经" author is the site; the post names the reporter.
    assert meta.get("author") in (None, *records[0]["authors"], records[0]["authors"])
    # Its own replay gives the same text back.
    back, _ = replay(post, tmp_path / "b")
    assert back[0]["fingerprint"] == records[0]["fingerprint"]
    # Field for field: site, Beijing time, editors, source, tags... all back.
    assert back == records
    assert yaml.safe_load(post.read_text(encoding="utf-8").split("---")[1])["url"]
