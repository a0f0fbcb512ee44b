"""What this worker has done with each request it took from the run's queue,
to acknowledge it (delete its in-flight record) only once nothing of it can
be lost: its callback or errback has run, every item it gave has passed or
left the item pipelines, and the store has committed those it kept.

Fed through Scrapy's public hooks only (see :mod:`newscrawl.distributed.worker`):

- the scheduler's pop (:meth:`Ledger.popped`) and push of a replacement
  request (a redirect or retry carries its original's token:
  :meth:`Ledger.replaced`);
- a spider middleware wrapping the callback's output (:meth:`Ledger.item_out`
  for each item, :meth:`Ledger.handled` when it is exhausted or raised) and
  ``spider_error``; a downloader middleware for failed downloads, wrapping the
  errback's output the same way;
- ``item_scraped`` / ``item_dropped`` / ``item_error``, and the store's
  :data:`~newscrawl.pipelines.store.articles_committed` (its ``articles`` are
  the very objects the pipeline passed on as items, so an item is matched by
  identity);
- ``spider_idle``: the engine holds nothing at all, so every request it took
  has been handled (:meth:`Ledger.engine_idle`, a safety net for paths no hook
  sees).

An item the store drops because the database is gone keeps its request on
record (:meth:`Ledger.item_dropped` with ``lost``): the worker's leaving puts
it back in the queue.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from twisted.python.failure import Failure

TOKEN = "newscrawl_redis_token"
"""Request meta key: the in-flight record of a request popped by this worker."""

DOWNLOADING, SCRAPING, HANDLED = "downloading", "scraping", "handled"


@dataclass
class Entry:
    state: str = DOWNLOADING
    items: int = 0  # given by the callback, still in the item pipelines
    uncommitted: int = 0  # through the store, not committed yet
    lost: bool = False  # an item the database lost: never acknowledged


def _no_ack(*tokens: str) -> None:
    pass


class Ledger:
    """One worker's requests in progress, keyed by their in-flight token."""

    def __init__(self, wait_for_commit: bool) -> None:
        self.wait_for_commit = wait_for_commit
        self.entries: dict[str, Entry] = {}
        self.ack: Callable[..., None] = _no_ack
        # Items through the store awaiting their commit: id -> (token, item);
        # the item is kept so its id cannot be reused meanwhile.
        self.waiting: dict[int, tuple[str, Any]] = {}
        # Committed before their item_scraped arrived (the commit ran inside
        # the store's process_item): id -> item.
        self.committed_first: dict[int, Any] = {}
        self.acked = 0

    def __len__(self) -> int:
        return len(self.entries)

    def popped(self, token: str) -> None:
        self.entries[token] = Entry()

    def scraping(self, token: str | None) -> None:
        """Its response (or failure) reached the spider."""
        e = self.entries.get(token or "")
        if e is not None and e.state == DOWNLOADING:
            e.state = SCRAPING

    def replaced(self, token: str | None) -> None:
        """A request carrying ``token`` was queued: when its original was
        still downloading, that is its replacement (redirect, retry)."""
        e = self.entries.get(token or "")
        if e is not None and e.state == DOWNLOADING:
            e.state = HANDLED
            self._settle(token or "")

    def handled(self, token: str | None) -> None:
        """Its callback or errback has given all its output (or raised)."""
        e = self.entries.get(token or "")
        if e is not None:
            e.state = HANDLED
            self._settle(token or "")

    def item_out(self, token: str | None) -> None:
        e = self.entries.get(token or "")
        if e is not None:
            e.items += 1

    def item_scraped(self, token: str | None, item: Any) -> None:
        e = self.entries.get(token or "")
        if e is None:
            self.committed_first.pop(id(item), None)
            return
        e.items = max(0, e.items - 1)
        if self.wait_for_commit and self.committed_first.pop(id(item), None) is None:
            e.uncommitted += 1
            self.waiting[id(item)] = (token or "", item)
        self._settle(token or "")

    def item_dropped(self, token: str | None, lost: bool = False) -> None:
        e = self.entries.get(token or "")
        if e is not None:
            e.items = max(0, e.items - 1)
            e.lost = e.lost or lost
            self._settle(token or "")

    def committed(self, articles: Iterable[Any]) -> None:
        """The store committed these articles (the items it passed on)."""
        for a in articles:
            got = self.waiting.pop(id(a), None)
            if got is None:
                self.committed_first[id(a)] = a
                continue
            e = self.entries.get(got[0])
            if e is not None:
                e.uncommitted -= 1
                self._settle(got[0])

    def engine_idle(self) -> None:
        """The engine has nothing in progress: all taken requests are handled."""
        for token, e in list(self.entries.items()):
            e.state, e.items = HANDLED, 0
            self._settle(token)
        self.committed_first.clear()

    def _settle(self, token: str) -> None:
        e = self.entries[token]
        if e.state == HANDLED and e.items == 0 and e.uncommitted <= 0 and not e.lost:
            del self.entries[token]
            self.ack(token)
            self.acked += 1


def track(ledger: Ledger, token: str | None, result: Iterable[Any]) -> Iterator[Any]:
    """``result``, counting its items for ``token``'s request; handled at its end."""
    ledger.scraping(token)
    try:
        for out in result:
            if out is not None and not isinstance(out, Request):
                ledger.item_out(token)
            yield out
    finally:
        ledger.handled(token)


class TrackedErrback:
    """A failed request's errback (or none), telling the ledger when it has
    given all its output. Set on the request at the end of its download only;
    a copy made from it is queued with the original errback
    (:meth:`ReliableQueue.encode <newscrawl.distributed.scheduler.ReliableQueue.encode>`)."""

    def __init__(self, ledger: Ledger, token: str, errback: Any) -> None:
        self.ledger = ledger
        self.token = token
        self.errback = errback

    def __call__(self, failure: Failure) -> Any:
        self.ledger.scraping(self.token)
        if self.errback is None:
            self.ledger.handled(self.token)
            return failure  # Scrapy logs it as without an errback
        try:
            out = self.errback(failure)
        except BaseException:
            self.ledger.handled(self.token)
            raise
        if out is None or isinstance(out, Failure):
            self.ledger.handled(self.token)
            return out
        if isinstance(out, AsyncIterator):
            return self._track_async(out)
        return track(self.ledger, self.token, out)

    async def _track_async(self, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for out in result:
                if out is not None and not isinstance(out, Request):
                    self.ledger.item_out(self.token)
                yield out
        finally:
            self.ledger.handled(self.token)


_LEDGERS: weakref.WeakKeyDictionary[Crawler, Ledger] = weakref.WeakKeyDictionary()


def ledger_for(crawler: Crawler) -> Ledger:
    """The crawler's ledger (shared by the scheduler, the middlewares and
    the run coordinator). It waits for commits when the crawl stores articles
    in a database (:func:`~newscrawl.pipelines.store.store_enabled`)."""
    if crawler not in _LEDGERS:
        from newscrawl.pipelines.store import store_enabled

        _LEDGERS[crawler] = Ledger(store_enabled(crawler.settings))
    return _LEDGERS[crawler]
