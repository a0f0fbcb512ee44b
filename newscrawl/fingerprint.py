"""Request fingerprints that ignore tracking parameters: a feed's link
``story.html?utm_source=rss`` and the sitemap's ``story.html`` are one
request in a run (fetched once), though each is fetched as written."""

from __future__ import annotations

from scrapy import Request
from scrapy.utils.request import RequestFingerprinter

from newscrawl.urls import canonicalize


class TrackingFreeFingerprinter(RequestFingerprinter):
    """Scrapy's fingerprint of the request at its URL less the tracking
    parameters of the site that claims it (``Site.tracking_params``)."""

    def fingerprint(self, request: Request) -> bytes:
        clean = canonicalize(request.url)
        if clean != request.url:
            request = request.replace(url=clean)
        return super().fingerprint(request)
