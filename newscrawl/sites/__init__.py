"""Site modules, discovered: every module in this package that defines a
``Site`` subclass with a ``name`` is a site. Adding a site touches its module
and its fixtures, never a registry."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from urllib.parse import urlsplit

from newscrawl.sites.base import Site


def _discover() -> dict[str, type[Site]]:
    found: dict[str, type[Site]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Site) and value.name:
                if value.__module__ != module.__name__:
                    continue  # imported from elsewhere, not defined here
                if value.name in found:
                    raise RuntimeError(f"two site modules are named {value.name!r}")
                found[value.name] = value
    return found


SITES: dict[str, type[Site]] = _discover()
"""Every site by name; ``generic`` is the fallback."""

GENERIC = "generic"


def get_site(name: str) -> Site:
    """The site called ``name``; a ValueError lists the known ones."""
    try:
        return SITES[name]()
    except KeyError:
        raise ValueError(
            f"unknown site {name!r}; known sites: {', '.join(sorted(SITES))}"
        ) from None


def site_for_url(url: str) -> Site:
    """The site module that claims ``url``, else the generic site."""
    for name, cls in SITES.items():
        if name != GENERIC and cls.claims(url):
            return cls()
    return SITES[GENERIC]()


def site_for_hosts(hosts: Iterable[str]) -> Site:
    """For a page saved without its address: the site most of its links and
    images point to, else the generic site."""
    counts: dict[str, int] = {}
    for h in hosts:
        counts[h] = counts.get(h, 0) + 1
    for name, cls in SITES.items():
        if name != GENERIC and cls.claims_page(counts):
            return cls()
    return SITES[GENERIC]()


def hosts_of(urls: Iterable[str]) -> list[str]:
    """The host of every absolute http(s) URL in ``urls``."""
    out = []
    for u in urls:
        parts = urlsplit(u.strip())
        if parts.scheme in ("http", "https") and parts.hostname:
            out.append(parts.hostname.lower())
        elif u.startswith("//"):
            host = urlsplit("http:" + u.strip()).hostname
            if host:
                out.append(host.lower())
    return out
