"""Datasette plugin (``scrapy browse`` loads this folder with ``--plugins-dir``):
the ``day`` facet, articles by the day of their own time.

Datasette's ``date`` facet takes SQLite's ``date()`` of a value, which turns
``2021-08-27T07:00:00+08:00`` into UTC: a Beijing morning article would count
on the day before. newscrawl's times keep the page's offset, so the day as
the publisher printed it is the value's first ten characters. Newest day
first; a day's link filters by ``published_at__startswith=YYYY-MM-DD``
(Datasette's own filter). In metadata: ``facets: [{day: published_at}]``;
in a URL: ``?_facet_day=published_at``.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

ISO_DAY = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"


class DayFacet(Facet):
    type = "day"

    async def suggest(self) -> list[dict[str, Any]]:
        return []  # Datasette already suggests its date facet for these columns

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        args = dict(self.get_querystring_pairs())
        size = self.get_facet_size()
        for found in self.get_configs():
            config, source = found["config"], found["source"]
            column = config.get("column") or config["simple"]
            col = escape_sqlite(column)
            sql = (
                f"select substr({col}, 1, 10) as value, count(*) as count from ({self.sql}) "
                f"where {col} glob '{ISO_DAY}' group by value order by value desc "
                f"limit {size + 1}"
            )
            try:
                rows = await self.ds.execute(
                    self.database,
                    sql,
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(column)
                continue
            values: list[dict[str, Any]] = []
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "results": values,
                    "hideable": source != "metadata",
                    "toggle_url": self.ds.urls.path(
                        path_with_removed_args(self.request, {"_facet_day": column})
                    ),
                    "truncated": len(rows) > size,
                }
            )
            key = f"{column}__startswith"
            for row in rows.rows[:size]:
                day = row["value"]
                selected = args.get(key) == day
                change = path_with_removed_args if selected else path_with_added_args
                values.append(
                    {
                        "value": day,
                        "label": day,
                        "count": row["count"],
                        "toggle_url": self.ds.absolute_url(
                            self.request, change(self.request, {key: day})
                        ),
                        "selected": selected,
                    }
                )
        return results, timed_out


@hookimpl
def register_facet_classes() -> list[type[Facet]]:
    return [DayFacet]
