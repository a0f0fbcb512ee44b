"""Site modules, discovered: every module in this package that defines a
``Site`` subclass with a ``name`` is a site, and so is every one in the
modules the ``NEWSCRAWL_SITE_MODULES`` setting names (importable modules
outside the project, registered at the start of a crawl by
:func:`load_site_modules`). Adding a site touches its module and its
fixtures, never a registry."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from types import ModuleType
from urllib.parse import urlsplit

from newscrawl.sites.base import Site


def _sites_of(module: ModuleType) -> list[type[Site]]:
    """The named ``Site`` subclasses ``module`` defines (not those it imports)."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Site)
        and value.name
        and value.__module__ == module.__name__
    ]


def _discover() -> dict[str, type[Site]]:
    found: dict[str, type[Site]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        for value in _sites_of(importlib.import_module(f"{__name__}.{info.name}")):
            if value.name in found:
                raise RuntimeError(f"two site modules are named {value.name!r}")
            found[value.name] = value
    return found


SITES: dict[str, type[Site]] = _discover()
"""Every site by name; ``generic`` is the fallback."""

GENERIC = "generic"


def load_site_modules(names: Iterable[str]) -> list[str]:
    """Import each module of ``names`` and register the sites it defines
    (loading one twice is harmless; blank names are none); the names of the
    sites registered. A
    ValueError says which module cannot be used and what to fix."""
    added: list[str] = []
    for name in (n.strip() for n in names):
        if not name:
            continue
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # any failure of someone else's module stops the crawl here
            raise ValueError(
                f"NEWSCRAWL_SITE_MODULES: cannot import {name!r} ({type(exc).__name__}: {exc}); "
                "name a module on the Python path (PYTHONPATH) that defines Site subclasses"
            ) from None
        sites = _sites_of(module)
        if not sites:
            raise ValueError(
                f"NEWSCRAWL_SITE_MODULES: {name!r} defines no site: give it a subclass of "
                "newscrawl.sites.base.Site with a name"
            )
        for cls in sites:
            known = SITES.get(cls.name)
            if known is not None and known is not cls:
                raise ValueError(
                    f"NEWSCRAWL_SITE_MODULES: {name!r} defines site {cls.name!r}, a name "
                    f"{known.__module__} already has: rename one of them"
                )
            SITES[cls.name] = cls
            added.append(cls.name)
    return added


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
