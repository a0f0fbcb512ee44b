"""File outputs: safe local feed storage and exporters (``feeds``), Markdown
posts (``markdown``). Wired in by the add-on (``newscrawl/addon.py``)."""
