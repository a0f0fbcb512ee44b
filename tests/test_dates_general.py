"""Date formats met on sites nobody tuned newscrawl to (issue 13), as table
tests of text written for them: the page's language decides day/month order,
month names in the languages dateparser knows, unpadded fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newscrawl.pipelines.dates import parse_full

FETCHED = datetime(2025, 1, 1, tzinfo=UTC)

CASES = [
    # one-digit seconds keep their time and their zone
    ("2024-03-05T23:15:0Z", None, "2024-03-05T23:15:00+00:00"),
    ("2024-03-05T23:15:7+01:00", None, "2024-03-05T23:15:07+01:00"),
    ("2024-03-05 08:05:09", None, "2024-03-05T08:05:09+00:00"),
    # DD/MM/YYYY by the page's language; a day over 12 decides by itself
    ("05/03/2024", ["fr"], "2024-03-05T00:00:00+00:00"),
    ("05/03/2024", ["de"], "2024-03-05T00:00:00+00:00"),
    ("05/03/2024", ["es"], "2024-03-05T00:00:00+00:00"),
    ("05/03/2024", ["en"], "2024-05-03T00:00:00+00:00"),
    ("13/03/2024 10:30", None, "2024-03-13T10:30:00+00:00"),
    # month names beyond the languages parsed by hand
    ("5 مارس 2024", ["ar"], "2024-03-05T00:00:00+00:00"),
    ("5 марта 2024", ["ru"], "2024-03-05T00:00:00+00:00"),
    ("5 marca 2024", ["pl"], "2024-03-05T00:00:00+00:00"),
    ("5 Mart 2024", ["tr"], "2024-03-05T00:00:00+00:00"),
]


@pytest.mark.parametrize(("text", "languages", "iso"), CASES)
def test_formats(text: str, languages: list[str] | None, iso: str) -> None:
    parsed = parse_full(text, "UTC", FETCHED, None, languages)
    assert parsed is not None
    assert parsed.dt.isoformat() == iso
