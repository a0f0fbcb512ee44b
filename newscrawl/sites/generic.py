"""Any site no other module claims: the base defaults (JSON-LD, Open Graph,
``<meta>``, ``<time>``) with trafilatura for the body."""

from newscrawl.sites.base import Site


class Generic(Site):
    """The fallback site."""

    name = "generic"
