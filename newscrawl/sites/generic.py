"""Any site no other module claims: the base defaults (JSON-LD, Open Graph,
``<meta>``, ``<time>``, shown dates) with trafilatura for the body.

Times a page shows without an offset are read in the page's own zone when
the page tells it: an offset on another of its dates (the dates pipeline),
else the zone of its country domain (``.de`` is Europe/Berlin) or of a
language spoken in one zone (``zh``, ``ja``, ``de``...), else the
``NEWSCRAWL_DEFAULT_TIMEZONE`` setting.
"""

from __future__ import annotations

from newscrawl.sites.base import Site
from newscrawl.sites.page import Page
from newscrawl.urls import host_of

# Country domains whose country keeps one time zone (or whose press does).
TLD_ZONES = {
    "de": "Europe/Berlin", "at": "Europe/Vienna", "ch": "Europe/Zurich", "li": "Europe/Vaduz",
    "fr": "Europe/Paris", "be": "Europe/Brussels", "nl": "Europe/Amsterdam",
    "lu": "Europe/Luxembourg", "it": "Europe/Rome", "es": "Europe/Madrid", "pt": "Europe/Lisbon",
    "uk": "Europe/London", "ie": "Europe/Dublin", "dk": "Europe/Copenhagen", "no": "Europe/Oslo",
    "se": "Europe/Stockholm", "fi": "Europe/Helsinki", "pl": "Europe/Warsaw", "cz": "Europe/Prague",
    "sk": "Europe/Bratislava", "hu": "Europe/Budapest", "si": "Europe/Ljubljana",
    "hr": "Europe/Zagreb", "rs": "Europe/Belgrade", "ro": "Europe/Bucharest", "bg": "Europe/Sofia",
    "gr": "Europe/Athens", "lt": "Europe/Vilnius", "lv": "Europe/Riga", "ee": "Europe/Tallinn",
    "ua": "Europe/Kyiv", "by": "Europe/Minsk", "tr": "Europe/Istanbul", "il": "Asia/Jerusalem",
    "lb": "Asia/Beirut", "cn": "Asia/Shanghai", "hk": "Asia/Hong_Kong", "tw": "Asia/Taipei",
    "jp": "Asia/Tokyo", "kr": "Asia/Seoul", "in": "Asia/Kolkata", "vn": "Asia/Ho_Chi_Minh",
    "th": "Asia/Bangkok", "sg": "Asia/Singapore", "my": "Asia/Kuala_Lumpur",
    "ph": "Asia/Manila", "za": "Africa/Johannesburg", "na": "Africa/Windhoek",
    "ls": "Africa/Maseru", "ng": "Africa/Lagos", "ke": "Africa/Nairobi", "eg": "Africa/Cairo",
    "gl": "America/Nuuk", "py": "America/Asuncion", "ar": "America/Argentina/Buenos_Aires",
    "cl": "America/Santiago", "co": "America/Bogota", "pe": "America/Lima",
    "nz": "Pacific/Auckland",
}  # fmt: skip
# Languages written (almost only) in one zone.
LANGUAGE_ZONES = {
    "zh": "Asia/Shanghai", "ja": "Asia/Tokyo", "ko": "Asia/Seoul", "de": "Europe/Berlin",
    "it": "Europe/Rome", "pl": "Europe/Warsaw", "cs": "Europe/Prague", "nl": "Europe/Amsterdam",
    "da": "Europe/Copenhagen", "sv": "Europe/Stockholm", "nb": "Europe/Oslo", "no": "Europe/Oslo",
    "fi": "Europe/Helsinki", "hu": "Europe/Budapest", "tr": "Europe/Istanbul",
    "vi": "Asia/Ho_Chi_Minh", "th": "Asia/Bangkok", "uk": "Europe/Kyiv", "el": "Europe/Athens",
}  # fmt: skip


def page_zone(url: str, language: str | None) -> str | None:
    """The zone a page's naive times are most likely in, or None.

    >>> page_zone("https://www.example.de/a", None), page_zone("https://x.com/", "zh-CN")
    ('Europe/Berlin', 'Asia/Shanghai')
    >>> page_zone("http://[::1", "de")
    'Europe/Berlin'
    """
    host = host_of(url)  # "" for an address urlsplit refuses (``http://[::1``)
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if tld in TLD_ZONES:
        return TLD_ZONES[tld]
    lang = (language or "").replace("_", "-").split("-")[0].strip().lower()
    return LANGUAGE_ZONES.get(lang)


class Generic(Site):
    """The fallback site."""

    name = "generic"

    def zone(self, page: Page) -> str:
        """The zone of the page's country domain or language, else ``timezone``
        (UTC: the dates pipeline then uses ``NEWSCRAWL_DEFAULT_TIMEZONE``)."""
        canonical = self.canonical_url(page)
        return page_zone(canonical or page.url, self.page_language(page)) or self.timezone
