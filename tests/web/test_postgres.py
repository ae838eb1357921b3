"""The service database on PostgreSQL: the URL's driver, the schema set up by several workers
starting at once, and the columns added since a table was first released (``_ADDED_COLUMNS``)
arriving in an older database with its rows kept — for every entry the list holds."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import inspect, text

from service import db as service_db

pytestmark = pytest.mark.postgres


def test_a_plain_postgresql_url_is_served_by_psycopg_3(postgres):
    url = postgres.url(postgres.create()).replace("postgresql+psycopg://", "postgresql://")
    engine = service_db.make_engine(url)
    try:
        assert engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
        assert set(service_db.Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _start_together(url: str, n: int = 6) -> list[BaseException]:
    """``make_engine(url)`` in ``n`` threads released at one moment, as gunicorn workers boot."""
    barrier = threading.Barrier(n)
    failures: list[BaseException] = []

    def boot():
        barrier.wait()
        try:
            service_db.make_engine(url).dispose()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            failures.append(exc)

    threads = [threading.Thread(target=boot) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return failures


def test_workers_starting_together_create_the_schema_once(postgres):
    url = postgres.url(postgres.create())
    assert _start_together(url) == []
    engine = service_db.make_engine(url)
    try:
        assert set(service_db.Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("table,column,spec", service_db._ADDED_COLUMNS)
def test_an_older_database_gets_the_added_column_and_keeps_its_rows(postgres, table, column, spec):
    url = postgres.url(postgres.create())
    engine = service_db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))  # as the release before it had the table
        conn.execute(text("INSERT INTO users (name, password_hash, role, created_at) VALUES ('old', 'x', 'staff', now())"))
    engine.dispose()
    # Several workers of the new release start on the older database at once.
    assert _start_together(url) == []
    engine = service_db.make_engine(url)
    try:
        columns = {c["name"]: c for c in inspect(engine).get_columns(table)}
        assert column in columns
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM users")).scalars().all() == ["old"]
    finally:
        engine.dispose()


def test_added_column_types_are_spelled_for_postgresql():
    assert service_db.column_spec("postgresql", "DATETIME") == "TIMESTAMP WITHOUT TIME ZONE"
    assert service_db.column_spec("sqlite", "DATETIME") == "DATETIME"
    assert service_db.column_spec("postgresql", "VARCHAR(300) NOT NULL DEFAULT ''") == "VARCHAR(300) NOT NULL DEFAULT ''"
