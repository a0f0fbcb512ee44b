"""PostgreSQL: the shared store of a scaled-out crawl
(``postgresql://user:password@host:5432/dbname``), through psycopg 3
(``pip install newscrawl[postgres]``), imported only when used."""

from __future__ import annotations

from typing import Any

from newscrawl.storage import ErrorKind, StorageError, Store, article_columns, mask_password

#: SQLSTATE classes (and codes) meaning the server or the connection is gone
#: or short of resources for now: reconnect and write the batch again. Every
#: other SQLSTATE (22 data exception, 23 integrity, 54 program limit exceeded
#: such as "index row requires N bytes", 42 ...) is the row's own problem.
LOST_SQLSTATES = ("08", "53", "57P01", "57P02", "57P03", "58", "40", "57014")

INSTALL = "pip install 'newscrawl[postgres]' (psycopg 3)"


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise StorageError(
            f"NEWSCRAWL_DATABASE is a PostgreSQL URL but psycopg is not installed: {INSTALL}"
        ) from exc
    return psycopg


class PostgresStore(Store):
    """One PostgreSQL database; lists are jsonb. Rows being updated are
    locked (SELECT ... FOR UPDATE), so several crawlers may share it."""

    dialect = "postgresql"
    run_id_column = "BIGSERIAL PRIMARY KEY"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.psycopg = _psycopg()
        from psycopg.types.json import Jsonb

        self.Jsonb = Jsonb
        self.conn: Any = None

    def error_kind(self, exc: BaseException) -> ErrorKind | None:
        """By SQLSTATE, not by psycopg's class: ProgramLimitExceeded (54000)
        is an OperationalError, yet retrying the same row can never work.
        No SQLSTATE at all means the client lost the server (a closed socket,
        "the connection is closed")."""
        if not isinstance(exc, self.psycopg.Error):
            return super().error_kind(exc)
        state = exc.sqlstate
        if state is None:
            if isinstance(exc, self.psycopg.OperationalError | self.psycopg.InterfaceError):
                return "lost"
            return "refused"
        return "lost" if state.startswith(LOST_SQLSTATES) else "refused"

    def connect(self) -> None:
        try:
            self.conn = self.psycopg.connect(self.url, connect_timeout=10, autocommit=False)
        except self.psycopg.Error as exc:
            reason = str(exc).replace(self.url, mask_password(self.url)).strip()
            raise StorageError(
                f"cannot connect to the database {mask_password(self.url)}: {reason}"
            ) from exc

    def p(self, name: str) -> str:
        return f"%({name})s"

    def json_param(self, value: Any) -> Any:
        return self.Jsonb(value)

    def json_value(self, value: Any) -> Any:
        return value  # psycopg decodes jsonb

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        if self.conn is None:
            raise self.psycopg.OperationalError("not connected")
        return self.conn.execute(sql, params or None)

    def commit(self) -> None:
        if self.conn is None:
            raise self.psycopg.OperationalError("not connected")
        self.conn.commit()
        self.recent.clear()  # the batch is committed: its links are final

    def rollback(self) -> None:
        self.recent.clear()
        if self.conn is not None and not self.conn.closed:
            self.conn.rollback()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.rollback()
            except self.psycopg.Error:
                pass
            finally:
                self.conn.close()
                self.conn = None

    def lock_schema(self) -> None:
        # Held until ensure_schema() commits: two crawlers starting together
        # must not both run CREATE TABLE.
        self.execute("SELECT pg_advisory_xact_lock(hashtext('newscrawl_schema'))")

    def lock_clause(self) -> str:
        return " FOR UPDATE"

    def table_exists(self, name: str) -> bool:
        row = self.execute("SELECT to_regclass(%(n)s)", {"n": name}).fetchone()
        return row is not None and row[0] is not None

    def ddl(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS articles (\n    {article_columns('jsonb')}\n)",
            "CREATE INDEX IF NOT EXISTS articles_published_at ON articles (published_at)",
            "CREATE INDEX IF NOT EXISTS articles_last_seen ON articles (last_seen)",
            """CREATE TABLE IF NOT EXISTS article_versions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    title TEXT NOT NULL,
    body_text TEXT NOT NULL,
    record jsonb NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    UNIQUE (article_id, fingerprint)
)""",
            "CREATE TABLE IF NOT EXISTS newscrawl_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            *self.runs_ddl(),
        ]
