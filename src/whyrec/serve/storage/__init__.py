"""The service's storage: events, per-user settings and removed tags, service-wide state.

SQLAlchemy 2 and Alembic, on SQLite by default (one file, WAL, several worker processes) or PostgreSQL by
URL. `Storage.open` migrates the database to the newest schema. See docs/concepts/storage.md.

Interface::

    @dataclass(frozen=True) class NewEvent: user_id: str; item_id: str; event_type: str; value: float | None
                                            timestamp: datetime          # tz-aware; returned in UTC
    @dataclass(frozen=True) class StoredEvent(NewEvent): id: int
    class UserSettings(BaseModel): personalization: bool = True          # frozen, extra="forbid"
    NOT_INTERESTED = "not_interested"                                     # the event type behind hidden_items

    class Storage:
        @classmethod
        def open(cls, url: str | os.PathLike[str] | None = None) -> Storage
            # None: $WHYREC_DATA_DIR/whyrec.sqlite3 or platformdirs.user_data_dir("whyrec")/whyrec.sqlite3;
            # a path: that SQLite file; a URL: sqlite:///file or postgresql+psycopg://u:p@host:port/db
            # (postgresql:// means psycopg 3). Runs the Alembic migrations to head.
        url: str; backend: str ("sqlite" | "postgresql"); engine: Engine
        def append_events(self, events: Sequence[NewEvent]) -> list[int]  # one transaction, all or nothing; ids
                                                                           # in input order; durable on return
        def events_of(self, user_id: str) -> list[StoredEvent]            # ordered by (timestamp, id)
        def hidden_items(self, user_id: str) -> frozenset[str]            # items with a not_interested event
        def count_events(self) -> int
        def all_events(self, *, batch_size: int = 10_000) -> Iterator[StoredEvent]  # by id: the export
        def user_version(self, user_id: str) -> int  # 0 when nothing is stored; changes with every change to
                                                     # the user's events, settings, removed tags; never reused
        def delete_user(self, user_id: str) -> int   # erases events, settings, tags, version; rows removed
        def erase_user(self, user_id: str) -> dict[str, int]  # the same, counted: events, settings, removed_tags
        def settings(self, user_id: str) -> UserSettings                  # defaults when never set
        def put_settings(self, user_id: str, settings: UserSettings) -> None
        def removed_tags(self, user_id: str) -> frozenset[str]
        def remove_tag(self, user_id: str, tag: str) -> None               # idempotent
        def restore_tag(self, user_id: str, tag: str) -> None              # idempotent
        def put_items(self, rows: Sequence[tuple[str, dict[str, Any]]]) -> None  # catalog rows, upserted
        def catalog_items(self) -> list[tuple[str, dict[str, Any]]]        # in the order first added
        def get_state(self, key: str) -> str | None                       # service-wide key/value
        def set_state(self, key: str, value: str) -> None
        def close(self) -> None                                            # also a context manager

Errors: bad arguments (empty or over-long ids, naive timestamps, NaN values) raise `whyrec.errors.DataError`
(API: 4xx) before anything is written; a bad URL raises `whyrec.errors.ConfigError`; a database failure
raises `StorageError` (API: 503). Ids, tags and keys are 1 to 256 characters, event types 1 to 64.
"""

from whyrec.errors import StorageError
from whyrec.serve.storage._engine import default_sqlite_path
from whyrec.serve.storage._migrate import alembic_config
from whyrec.serve.storage._records import (
    NOT_INTERESTED,
    NewEvent,
    StoredEvent,
    UserSettings,
)
from whyrec.serve.storage._storage import Storage

__all__ = [
    "NOT_INTERESTED",
    "NewEvent",
    "Storage",
    "StorageError",
    "StoredEvent",
    "UserSettings",
    "alembic_config",
    "default_sqlite_path",
]
