"""Recorded fields: a Markdown post newscrawl wrote holds its article's
every field (``newscrawl.exporters.markdown``). Replayed, the page made of
the post is extracted as any page, then this pipeline puts the recorded
values back over what the extraction and the normalizers made of it, so the
post gives back the Article it was written from, field for field.

It runs after the normalizers and before validation (which checks the
limits and computes the fingerprint from the title and text). ``body_text``
is not recorded: the text pipeline makes it from the recorded ``body_html``
as it made it the first time.
"""

from __future__ import annotations

from newscrawl.found import Extracted, as_extracted


class RecordedPipeline:
    """Puts ``Found.recorded`` back into the article (nothing else is touched)."""

    def process_item(self, item: object) -> Extracted:
        x = as_extracted(item)
        for name, value in x.found.recorded.items():
            setattr(x.article, name, value)
        return x
