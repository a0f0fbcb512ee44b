"""The day of ``published_at`` is the day the page shows (issue 13).

Metadata often gives a UTC instant (``2024-03-04T23:30:00Z``) while the page
shows the publisher's local day (5 March). The instant is kept; it is
expressed in an offset that puts it on the shown day, so both the instant
and the reader's day are right in one ISO 8601 value.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

MAX_OFFSET = timedelta(hours=14)  # no zone is further from UTC
NEAR_ZONE = timedelta(hours=3)  # a summer hour or a neighbour's zone, not more


def on_shown_day(local: datetime, day: date, wall: datetime | None, tz: str) -> datetime:
    """``local`` (a UTC instant shown in the site's zone ``tz``) in an offset
    that puts it on ``day``, the day the page shows, when its own day is the
    day before or after (else ``local`` unchanged).

    The offset is the one of the shown clock ``wall`` (naive, rounded to 15
    minutes) when the page shows a time, else the fewest whole hours that
    move the day; never over 14 hours, and within 3 hours of the site's zone
    when the site has one (``tz`` not UTC): a shown time further off is
    another moment, an update, not the same instant.

    >>> i = datetime(2024, 3, 4, 23, 30, tzinfo=UTC)
    >>> on_shown_day(i, date(2024, 3, 5), None, "UTC").isoformat()
    '2024-03-05T00:30:00+01:00'
    """
    if local.date() == day or abs((local.date() - day).days) != 1:
        return local
    utc = local.astimezone(UTC)
    if wall is not None:
        minutes = round((wall.replace(tzinfo=UTC) - utc).total_seconds() / 900) * 15
        offsets = [minutes] if timedelta(minutes=abs(minutes)) <= MAX_OFFSET else []
    else:
        offsets = sorted(range(-12 * 60, 14 * 60 + 1, 60), key=abs)
    near = local.utcoffset() or timedelta(0)
    for minutes in offsets:
        if tz != "UTC" and abs(timedelta(minutes=minutes) - near) > NEAR_ZONE:
            continue
        moved = utc.astimezone(timezone(timedelta(minutes=minutes)))
        if moved.date() == day:
            return moved
    return local
