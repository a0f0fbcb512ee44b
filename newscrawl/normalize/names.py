"""Names of sites: a byline or metadata value that only names the site is nobody."""

from __future__ import annotations


def _key(name: str) -> str:
    return "".join(c for c in name.casefold() if c.isalnum())


# What may follow a site's name in a byline that is only the site ("n-tv NACHRICHTEN").
_SITE_SUFFIXES = ("", "news", "nachrichten", "online", "redaktion", "digital", "de", "com", "tv")


def is_site_name(name: str, site_names: tuple[str, ...]) -> bool:
    """True when ``name`` is the site itself (its name, its host), not a person.

    >>> is_site_name("n-tv NACHRICHTEN", ("n-tv.de", "ntv")), is_site_name("Jane Doe", ("ntv",))
    (True, False)
    """
    key = _key(name)
    if not key:
        return False
    for site in site_names:
        k = _key(site)
        if len(k) >= 2 and key.startswith(k) and key[len(k) :] in _SITE_SUFFIXES:
            return True
        if len(key) >= 3 and k.startswith(key) and k[len(key) :] in _SITE_SUFFIXES:
            return True
    return False
