"""The event store on a real SQLite file and a real PostgreSQL server (tests/serve/conftest.py)."""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import signal
import sqlite3
import time
import tomllib
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from multiprocessing.connection import Connection as PipeEnd
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from whyrec.errors import ConfigError, DataError
from whyrec.serve.storage import (
    NOT_INTERESTED,
    NewEvent,
    Storage,
    StorageError,
    StoredEvent,
    UserSettings,
    alembic_config,
)
from whyrec.serve.storage._engine import resolve_url
from whyrec.serve.storage._schema import Base

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
_spawn = mp.get_context("spawn")  # children open their own engine, as uvicorn workers do


def _report(target: Callable[..., Any], args: tuple[Any, ...], out: PipeEnd) -> None:
    """Run `target` in a child process and send ("ok", result) or ("error", traceback) to the parent."""
    try:
        out.send(("ok", target(*args)))
    except BaseException:
        out.send(("error", traceback.format_exc()))


def _run_children(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]], timeout: float = 120) -> list[Any]:
    """Run each call in its own spawned process at once; their results, or a test failure (never a hang)."""
    pipes = [_spawn.Pipe(duplex=False) for _ in calls]
    procs = [_spawn.Process(target=_report, args=(f, a, w)) for (f, a), (_, w) in zip(calls, pipes, strict=True)]
    for p in procs:
        p.start()
    deadline = time.monotonic() + timeout
    results: list[Any] = []
    try:
        for p, (r, _) in zip(procs, pipes, strict=True):
            while not r.poll(0.2):
                if not p.is_alive() and not r.poll(0):
                    pytest.fail(f"a child process exited with {p.exitcode} without reporting")
                if time.monotonic() > deadline:
                    pytest.fail(f"a child process reported nothing within {timeout} s")
            status, value = r.recv()
            if status == "error":
                pytest.fail(f"a child process failed:\n{value}")
            results.append(value)
    finally:
        for p in procs:
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join()
    return results


def ev(user: str, item: str, minutes: float = 0, event_type: str = "view", value: float | None = None) -> NewEvent:
    return NewEvent(user, item, event_type, value, T0 + timedelta(minutes=minutes))


@pytest.fixture
def store(db_url: str) -> Iterator[Storage]:
    with Storage.open(db_url) as s:
        yield s


# ---- opening and migrations --------------------------------------------------------------------------


def test_a_database_from_a_newer_whyrec_is_refused(db_url: str) -> None:
    with Storage.open(db_url) as s, s.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    with pytest.raises(StorageError, match=r"migrate failed: .*9999_future.*upgrade whyrec"):
        Storage.open(db_url)


def test_open_migrates_to_head_and_reopens(db_url: str) -> None:
    Storage.open(db_url).close()
    with Storage.open(db_url) as s:  # a second open finds the schema at head and changes nothing
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        with s.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head == "0002"
        assert s.count_events() == 0
        assert s.backend == db_url.split(":")[0].split("+")[0]


def test_models_and_migrations_agree(store: Storage) -> None:
    """Autogenerate finds nothing to do: a change to _schema.py without a migration fails here."""
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        assert compare_metadata(ctx, Base.metadata) == []


def test_downgrade_and_upgrade_again(db_url: str) -> None:
    with Storage.open(db_url) as s:
        s.append_events([ev("u1", "i1")])
    config = alembic_config(resolve_url(db_url).render_as_string(hide_password=False))
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    with Storage.open(db_url) as s:
        assert s.count_events() == 0
        assert s.append_events([ev("u1", "i1")]) == [1]


def _open_and_count(url: str, start: Any) -> int:
    start.wait(60)  # both have imported whyrec: they open (and migrate) at the same moment
    with Storage.open(url) as s:
        return s.count_events()


@pytest.mark.slow  # spawns processes that import whyrec
def test_processes_opening_a_new_database_together_migrate_once(db_url: str) -> None:
    start = _spawn.Barrier(2)
    assert _run_children([(_open_and_count, (db_url, start))] * 2) == [0, 0]


# ---- events -------------------------------------------------------------------------------------------


def test_append_returns_ids_in_input_order_and_events_come_back_in_time_order(store: Storage) -> None:
    ids = store.append_events([ev("u1", "late", 5), ev("u1", "early", 1), ev("u2", "x", 0), ev("u1", "tie", 5)])
    assert len(set(ids)) == 4 and ids == sorted(ids)
    got = store.events_of("u1")
    assert [e.item_id for e in got] == ["early", "late", "tie"]  # by time, then by id
    assert [e.id for e in got] == [ids[1], ids[0], ids[3]]
    assert all(isinstance(e, StoredEvent) for e in got)
    assert store.events_of("nobody") == []
    assert store.count_events() == 4
    assert store.append_events([]) == []


def test_order_is_by_instant_whatever_the_timezone_given(store: Storage) -> None:
    plus2 = timezone(timedelta(hours=2))
    store.append_events([NewEvent("u1", "09:00Z", "view", None, datetime(2024, 5, 1, 9, 0, tzinfo=UTC)),
                         NewEvent("u1", "08:00Z", "view", None, datetime(2024, 5, 1, 10, 0, tzinfo=plus2)),
                         NewEvent("u1", "08:30Z", "view", None, datetime(2024, 5, 1, 8, 30, tzinfo=UTC))])
    assert [e.item_id for e in store.events_of("u1")] == ["08:00Z", "08:30Z", "09:00Z"]


def test_a_large_batch_of_many_users(store: Storage) -> None:
    events = [ev(f"u{n}", f"i{n % 7}", n % 13) for n in range(1500)]  # more users than one upsert statement holds
    ids = store.append_events(events)
    assert len(ids) == len(set(ids)) == 1500 == store.count_events()
    assert {store.user_version(f"u{n}") for n in (0, 700, 1499)} == {store.user_version("u1")} != {0}
    [got] = store.events_of("u1234")
    assert (got.id, got.item_id) == (ids[1234], f"i{1234 % 7}")


def test_event_fields_round_trip_in_utc(store: Storage) -> None:
    local = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    [eid] = store.append_events([NewEvent("ü-1", "item/ä", "rating", 4.5, local)])
    [got] = store.events_of("ü-1")
    assert got == StoredEvent("ü-1", "item/ä", "rating", 4.5, local, eid)
    assert got.timestamp.tzinfo == UTC and got.timestamp == datetime(2024, 5, 1, 10, 30, 15, 123456, tzinfo=UTC)


def test_the_database_refuses_to_update_events(store: Storage) -> None:
    store.append_events([ev("u1", "a")])
    with pytest.raises(DBAPIError, match="events are append-only"), store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE events SET item_id = 'b'")
    assert [e.item_id for e in store.events_of("u1")] == ["a"]
    assert store.delete_user("u1") == 1  # erasure still deletes


def test_ids_keep_growing_after_the_newest_user_is_erased(store: Storage) -> None:
    [a] = store.append_events([ev("u1", "i")])
    [b] = store.append_events([ev("u2", "i")])
    store.delete_user("u2")
    [c] = store.append_events([ev("u3", "i")])
    assert a < b < c


BAD_ROWS = {
    "empty user_id": NewEvent("", "i", "view", None, T0),
    "blank item_id": NewEvent("u9", "  ", "view", None, T0),
    "too long item_id": NewEvent("u9", "i" * 257, "view", None, T0),
    "too long event_type": NewEvent("u9", "i", "v" * 65, None, T0),
    "naive timestamp": NewEvent("u9", "i", "view", None, datetime(2024, 5, 1)),
    "NaN value": NewEvent("u9", "i", "rating", math.nan, T0),
    "text value": NewEvent("u9", "i", "rating", "5", T0),  # type: ignore[arg-type]
    "int user_id": NewEvent(7, "i", "view", None, T0),  # type: ignore[arg-type]
    "NUL in item_id": NewEvent("u9", "i\x00", "view", None, T0),
    "lone surrogate in item_id": NewEvent("u9", "i\ud800", "view", None, T0),
}


@pytest.mark.parametrize("bad", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_batch_with_one_bad_row_writes_nothing(store: Storage, bad: NewEvent) -> None:
    store.append_events([ev("u1", "first")])
    version = store.user_version("u1")
    with pytest.raises(DataError, match=r"events\[2\]\.\w+: expected"):
        store.append_events([ev("u1", "a"), ev("u9", "b"), bad, ev("u1", "c")])
    assert store.count_events() == 1
    assert [e.item_id for e in store.events_of("u1")] == ["first"]
    assert store.events_of("u9") == []
    assert store.user_version("u1") == version and store.user_version("u9") == 0


_POISON = {  # a real database failure in the middle of the transaction: after the events are inserted
    "sqlite": ["CREATE TRIGGER poison BEFORE INSERT ON user_versions WHEN NEW.user_id = 'poison' "
               "BEGIN SELECT RAISE(ABORT, 'poisoned user'); END"],
    "postgresql": ["CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.user_id = 'poison' "
                   "THEN RAISE EXCEPTION 'poisoned user'; END IF; RETURN NEW; END $$",
                   "CREATE TRIGGER poison BEFORE INSERT ON user_versions FOR EACH ROW EXECUTE FUNCTION poison()"],
}


def test_a_database_failure_inside_a_batch_rolls_all_of_it_back(store: Storage) -> None:
    store.append_events([ev("u1", "first")])
    version = store.user_version("u1")
    with store.engine.begin() as conn:
        for sql in _POISON[store.backend]:
            conn.exec_driver_sql(sql)
    with pytest.raises(StorageError, match=r"append_events failed: .*poisoned user") as e:
        store.append_events([ev("u1", "a"), ev("poison", "b"), ev("u1", "c")])
    assert e.value.operation == "append_events"
    assert store.count_events() == 1 and store.user_version("u1") == version
    store.append_events([ev("u1", "after", 1)])  # the store works on after the failure
    assert [e.item_id for e in store.events_of("u1")] == ["first", "after"]


def test_not_an_event_is_refused(store: Storage) -> None:
    with pytest.raises(DataError, match=r"events\[0\]: expected a NewEvent, got dict"):
        store.append_events([{"user_id": "u1"}])  # type: ignore[list-item]


def test_hidden_items_are_the_not_interested_ones(store: Storage) -> None:
    store.append_events([ev("u1", "a"), ev("u1", "b", 1, NOT_INTERESTED), ev("u1", "b", 2, NOT_INTERESTED),
                         ev("u1", "c", 3, NOT_INTERESTED), ev("u2", "a", 0, NOT_INTERESTED)])
    assert store.hidden_items("u1") == frozenset({"b", "c"})
    assert store.hidden_items("u2") == frozenset({"a"})
    assert store.hidden_items("u3") == frozenset()


# ---- per-user state -----------------------------------------------------------------------------------


def test_settings_round_trip(store: Storage) -> None:
    assert store.settings("u1") == UserSettings() and store.settings("u1").personalization
    store.put_settings("u1", UserSettings(personalization=False))
    assert store.settings("u1") == UserSettings(personalization=False)
    assert store.settings("u2") == UserSettings()
    store.put_settings("u1", UserSettings(personalization=True))
    assert store.settings("u1").personalization
    with pytest.raises(DataError, match="expected a UserSettings, got dict"):
        store.put_settings("u1", {"personalization": False})  # type: ignore[arg-type]


def test_removed_tags(store: Storage) -> None:
    store.remove_tag("u1", "genre:horror")
    store.remove_tag("u1", "genre:horror")
    store.remove_tag("u1", "brand:B")
    store.remove_tag("u2", "genre:comedy")
    assert store.removed_tags("u1") == frozenset({"genre:horror", "brand:B"})
    store.restore_tag("u1", "genre:horror")
    store.restore_tag("u1", "never-removed")
    assert store.removed_tags("u1") == frozenset({"brand:B"})
    assert store.removed_tags("u2") == frozenset({"genre:comedy"})
    assert store.removed_tags("u3") == frozenset()


def test_user_version_changes_with_every_change_of_that_user_only(store: Storage) -> None:
    assert store.user_version("u1") == 0
    seen = [0]

    def changed() -> None:
        now = store.user_version("u1")
        assert now not in seen
        seen.append(now)

    store.append_events([ev("u1", "a")])
    changed()
    store.append_events([ev("u2", "a")])  # another user
    assert store.user_version("u1") == seen[-1]
    store.put_settings("u1", UserSettings(personalization=False))
    changed()
    store.remove_tag("u1", "t")
    changed()
    store.remove_tag("u1", "t")  # no change, same version
    assert store.user_version("u1") == seen[-1]
    store.restore_tag("u1", "t")
    changed()
    store.restore_tag("u1", "t")
    assert store.user_version("u1") == seen[-1]
    store.set_state("active_run", "runs/ease")  # service-wide, no user's
    assert store.user_version("u1") == seen[-1]
    store.delete_user("u1")
    assert store.user_version("u1") == 0
    store.append_events([ev("u1", "b")])  # a new life never repeats an old version (cached by a worker)
    assert store.user_version("u1") > max(seen)
    assert store.user_version("u2") > 0


def test_delete_user_erases_everything_of_that_user_only(store: Storage) -> None:
    store.append_events([ev("u1", "a"), ev("u1", "b", 1, NOT_INTERESTED), ev("u2", "a"), ev("u2", "c", 1)])
    for user in ("u1", "u2"):
        store.put_settings(user, UserSettings(personalization=False))
        store.remove_tag(user, "t1")
    store.remove_tag("u1", "t2")
    before_u2 = (store.events_of("u2"), store.settings("u2"), store.removed_tags("u2"), store.user_version("u2"))

    assert store.delete_user("u1") == 2 + 1 + 2  # events, settings row, tags
    assert store.events_of("u1") == [] and store.hidden_items("u1") == frozenset()
    assert store.settings("u1") == UserSettings() and store.removed_tags("u1") == frozenset()
    assert store.user_version("u1") == 0
    with store.engine.connect() as conn:  # no row anywhere still names u1
        for table in ("events", "user_settings", "removed_tags", "user_versions"):
            assert conn.execute(text(f"SELECT count(*) FROM {table} WHERE user_id = 'u1'")).scalar_one() == 0
    assert (store.events_of("u2"), store.settings("u2"), store.removed_tags("u2"),
            store.user_version("u2")) == before_u2
    assert store.delete_user("u1") == 0
    assert store.count_events() == 2


def test_service_state(store: Storage) -> None:
    assert store.get_state("active_run") is None
    store.set_state("active_run", "runs/ease")
    store.set_state("active_run_version", "1")
    store.set_state("active_run", "runs/als")
    assert store.get_state("active_run") == "runs/als" and store.get_state("active_run_version") == "1"
    store.set_state("empty", "")
    assert store.get_state("empty") == ""
    with pytest.raises(DataError, match="expected a string value, got int"):
        store.set_state("active_run_version", 2)  # type: ignore[arg-type]


CALLS = {
    "events_of": lambda s, u: s.events_of(u),
    "hidden_items": lambda s, u: s.hidden_items(u),
    "user_version": lambda s, u: s.user_version(u),
    "delete_user": lambda s, u: s.delete_user(u),
    "settings": lambda s, u: s.settings(u),
    "put_settings": lambda s, u: s.put_settings(u, UserSettings()),
    "removed_tags": lambda s, u: s.removed_tags(u),
    "remove_tag": lambda s, u: s.remove_tag(u, "t"),
    "restore_tag": lambda s, u: s.restore_tag(u, "t"),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
@pytest.mark.parametrize("user_id", ["", " ", None, "u" * 257])
def test_bad_user_ids_are_data_errors(tmp_path: Path, call: Callable[[Storage, Any], object], user_id: Any) -> None:
    with Storage.open(tmp_path / "s.sqlite3") as s, pytest.raises(DataError, match=r"user_id: expected"):
        call(s, user_id)


def test_bad_tags_and_keys_are_data_errors(store: Storage) -> None:
    with pytest.raises(DataError, match="tag: expected a non-empty string"):
        store.remove_tag("u1", "")
    with pytest.raises(DataError, match="key: expected a non-empty string"):
        store.get_state("")
    with pytest.raises(DataError, match="key: expected a non-empty string"):
        store.set_state("", "x")


# ---- URLs and backends --------------------------------------------------------------------------------


def test_no_url_means_a_file_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHYREC_DATA_DIR", str(tmp_path / "data"))
    with Storage.open() as s:
        s.append_events([ev("u1", "a")])
        assert s.backend == "sqlite"
    assert (tmp_path / "data" / "whyrec.sqlite3").is_file()
    with Storage.open(str(tmp_path / "data" / "whyrec.sqlite3")) as s:  # a plain path is a SQLite file
        assert s.count_events() == 1


@pytest.mark.parametrize(("url", "expected"), [
    ("mysql+pymysql://u@h/db", "Expected sqlite or postgresql"),
    ("sqlite://", "in-memory SQLite"),
    ("sqlite:///:memory:", "in-memory SQLite"),
    ("not a url://", "cannot be read"),
])
def test_unusable_urls_are_config_errors(url: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        Storage.open(url)


def test_postgresql_url_without_a_driver_means_psycopg3() -> None:
    assert resolve_url("postgresql://u:secret@db:5432/whyrec").drivername == "postgresql+psycopg"
    assert resolve_url("postgresql+psycopg://u@db/whyrec").drivername == "postgresql+psycopg"


def test_unreachable_postgresql_is_a_storage_error_without_the_password() -> None:
    with pytest.raises(StorageError, match=r"database postgresql\+psycopg://u:\*\*\*@127.0.0.1:1/x\?connect_timeout=2: "
                       r"open failed: .*Connection refused") as e:
        Storage.open("postgresql+psycopg://u:secret@127.0.0.1:1/x?connect_timeout=2")
    assert "secret" not in str(e.value)


def test_sqlite_runs_in_wal_with_full_sync_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    with Storage.open(tmp_path / "s.sqlite3") as s, s.engine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in
                  ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 30000}
    with sqlite3.connect(tmp_path / "s.sqlite3") as raw:  # WAL is a property of the file: other clients see it
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


# ---- several processes, and a killed one --------------------------------------------------------------


def _writer(url: str, user: str, batches: int, start: Any) -> list[int]:
    ids: list[int] = []
    with Storage.open(url) as s:
        start.wait(60)  # both processes have imported and opened: from here on they write at the same time
        for b in range(batches):
            # a shared user too: both processes bump the same user_versions row
            ids += s.append_events([ev(user, f"{user}-{b}-{k}", b) for k in range(5)]
                                   + [ev("shared", f"{user}-{b}", b)])
            s.remove_tag(user, f"t{b}")
    return ids


@pytest.mark.slow  # spawns processes that import whyrec
def test_two_processes_write_concurrently_and_every_event_is_stored(db_url: str) -> None:
    Storage.open(db_url).close()  # migrated already: the race here is between writers
    batches = 40
    start = _spawn.Barrier(2)
    acked = _run_children([(_writer, (db_url, f"w{n}", batches, start)) for n in range(2)])
    with Storage.open(db_url) as s:
        assert s.count_events() == 2 * batches * 6
        for n in range(2):
            assert len(s.events_of(f"w{n}")) == batches * 5
            assert len(s.removed_tags(f"w{n}")) == batches
        assert len(s.events_of("shared")) == 2 * batches
        stored = {e.id for n in range(2) for e in s.events_of(f"w{n}")} | {e.id for e in s.events_of("shared")}
    assert stored == set(acked[0]) | set(acked[1]) and len(stored) == len(acked[0]) + len(acked[1])


_BATCH = 20


def _append_until_killed(url: str, out: PipeEnd) -> None:
    with Storage.open(url) as s:
        for b in range(10_000):
            ids = s.append_events([ev("u1", f"b{b}-{k}", b) for k in range(_BATCH)])
            out.send(ids)  # acknowledged: the parent may kill this process from here on


@pytest.mark.slow  # spawns processes that import whyrec
def test_acknowledged_events_survive_a_killed_writer(db_url: str) -> None:
    Storage.open(db_url).close()
    recv, send = _spawn.Pipe(duplex=False)
    child = _spawn.Process(target=_append_until_killed, args=(db_url, send))
    child.start()
    acked: list[int] = []
    try:
        for _ in range(5):
            assert recv.poll(60), f"the writer acknowledged nothing within 60 s (exit code {child.exitcode})"
            acked += recv.recv()
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]  # right after an acknowledgement
    finally:
        child.join(30)
    assert child.exitcode == -signal.SIGKILL
    while recv.poll():  # acknowledgements sent before the signal landed
        acked += recv.recv()
    with Storage.open(db_url) as s:
        stored = [e.id for e in s.events_of("u1")]
    assert set(acked) <= set(stored)
    # the batch in flight at the kill is all there or not at all
    assert len(stored) % _BATCH == 0 and len(stored) - len(acked) in (0, _BATCH)


def _append_from_thread(store: Storage, n: int) -> list[int]:
    return [i for b in range(10) for i in store.append_events([ev(f"t{n}", f"{b}-{k}", b) for k in range(3)])]


def test_threads_share_one_storage(db_url: str) -> None:
    """The API calls one Storage from its thread pool."""
    with Storage.open(db_url) as s, ThreadPoolExecutor(max_workers=8) as pool:
        ids = [i for got in pool.map(lambda n: _append_from_thread(s, n), range(8)) for i in got]
        assert len(set(ids)) == len(ids) == 8 * 10 * 3 == s.count_events()
        assert all(len(s.events_of(f"t{n}")) == 30 for n in range(8))


# ---- the package --------------------------------------------------------------------------------------


def test_public_names() -> None:
    import whyrec.serve.storage as storage

    assert storage.__all__ == sorted(storage.__all__)
    assert all(hasattr(storage, name) for name in storage.__all__)


def test_package_data_ships_every_migration_file() -> None:
    """pyproject's package-data must cover the Alembic scripts, or an installed whyrec cannot migrate."""
    root = Path(__file__).resolve().parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["whyrec"]
    package = root / "src" / "whyrec"
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    migrations = package / "serve" / "storage" / "migrations"
    needed = {p for p in migrations.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert (migrations / "env.py") in needed and (migrations / "versions" / "0001_initial.py") in needed
    assert needed <= shipped, sorted(str(p) for p in needed - shipped)


# ---- catalog rows and the export ----------------------------------------------------------------------


def test_catalog_rows_are_upserted_in_first_added_order(store: Storage) -> None:
    store.put_items([("B2", {"title": "Lamp"}), ("B1", {"title": "Tent", "attributes": {"category": "Camping"}})])
    store.put_items([("B2", {"title": "Desk lamp"}), ("B3", {"title": "Stove"})])
    assert store.catalog_items() == [("B2", {"title": "Desk lamp"}),
                                     ("B1", {"title": "Tent", "attributes": {"category": "Camping"}}),
                                     ("B3", {"title": "Stove"})]
    with pytest.raises(DataError, match=r"items\[0\].item_id"):
        store.put_items([("", {"title": "x"})])


def test_all_events_reads_every_event_in_id_order_in_batches(store: Storage) -> None:
    now = datetime(2024, 5, 1, tzinfo=UTC)
    ids = store.append_events([NewEvent(f"u{i % 3}", f"i{i}", "view", None, now) for i in range(7)])
    found = list(store.all_events(batch_size=3))
    assert [e.id for e in found] == ids and [e.item_id for e in found] == [f"i{i}" for i in range(7)]
