"""The served run: load it at start, swap it on reload, and follow the swaps other workers publish.

The active run lives in the store (``{"run_dir": ..., "version": ..., "hash": ...}`` under
:data:`ACTIVE_RUN_KEY`), so every worker process serves the same run: the one that reloads publishes a new
version, the others adopt it on their next check, and only if the files they load have the recorded content
hash (a run retrained into the same folder is another run). A server that starts with another run than the
database's active one refuses, unless told to switch (``switch_run``, ``whyrec serve --publish``); switching
a running service's run is the admin route's job.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whyrec.errors import ConfigError, IncompatibleRunError, WhyrecError
from whyrec.serve.catalog_growth import grow_served_run
from whyrec.serve.run_copies import RunCopies
from whyrec.serve.served_run import ServedRun, load_served_run, run_hash
from whyrec.serve.settings import ServeSettings
from whyrec.serve.storage import Storage

__all__ = ["ACTIVE_RUN_KEY", "ActiveRun", "RunLifecycle", "active_run", "next_version", "publish_run"]

logger = logging.getLogger(__name__)

#: Store key of the active run ({"run_dir": ..., "version": ...}), read by every worker.
ACTIVE_RUN_KEY = "active_run"


class RunLifecycle:
    """The run one worker serves, and its hot reload.

    Args:
        settings: the service settings (`run_dir`, `publish_run`, `reload_check_s`).
        storage: the open event store, where the active run is published.
        on_swap: called (under the reload lock) each time another run is swapped in, to drop what was derived
            from the old one.
    """

    def __init__(self, settings: ServeSettings, storage: Storage, on_swap: Callable[[], None] = lambda: None) -> None:
        self.settings = settings
        self.storage = storage
        self._on_swap = on_swap
        self._served: ServedRun | None = None
        self._reload_lock = threading.Lock()
        self._loading_version: int | None = None
        self._failed_version: int | None = None
        self._checked_at = 0.0
        self._copies = RunCopies(settings.run_copies_dir) if settings.run_copies_dir else None

    def start(self) -> None:
        """Load the run: publish `settings.run_dir` as the active run, or adopt the one already published.

        Raises:
            ConfigError: the run directory is not a run, or not a valid one; or the store's active run is
                another run and `settings.switch_run` is off.
        """
        active = self._active_run()
        if self.settings.publish_run or active is None:
            content = run_hash(self.settings.run_dir)
            version = next_version(active, content, self.settings.run_dir, switch=self.settings.switch_run)
            served = self._load(self.settings.run_dir, version)
            if active is None or version != active.version:
                self._publish(served)
        else:
            served = self._load_active(active)
        self._served = served
        self._checked_at = time.monotonic()

    def _load(self, path: str | Path, version: int) -> ServedRun:
        """Load a run, with the catalog rows put into the service applied (:func:`grow_served_run`)."""
        return grow_served_run(load_served_run(path, version, self.settings.retrieval), self.storage.catalog_items())

    def put_items(self, rows: Sequence[tuple[str, dict[str, Any]]]) -> tuple[ServedRun, ServedRun]:
        """Store catalog rows and swap in the served run grown by them (this worker; other workers apply
        the stored rows when they next load a run).

        Returns:
            The served run before and after.

        Raises:
            DataError: a row does not fit the catalog (a text value for a numeric column); nothing is stored.
        """
        with self._reload_lock:
            before = self.served
            after = grow_served_run(before, rows)  # checks the rows before anything is stored
            self.storage.put_items(rows)
            self._served = after
            self._on_swap()
            return before, after

    @property
    def current(self) -> ServedRun | None:
        """The run serving now, without looking for a newer one (None before `start`)."""
        return self._served

    @property
    def ready(self) -> bool:
        """Whether a run is loaded."""
        return self._served is not None

    @property
    def served(self) -> ServedRun:
        """The run serving now (after following a swap made by another worker, checked every few seconds)."""
        self._follow()
        if self._served is None:
            raise ConfigError("the service has no run loaded yet; wait for /readyz.")
        return self._served

    def reload(self, run_dir: str | Path | None = None) -> ServedRun:
        """Load a run (default: the active one again) and swap it in; requests in flight finish on the old one.

        The new run and its version are recorded in the store, and every other worker adopts them on its next
        check (at most `settings.reload_check_s` later).

        Raises:
            ConfigError: `run_dir` is not a run directory, or its data no longer matches it (``field`` is
                ``run_dir``); the old run keeps serving.
        """
        with self._reload_lock:
            active = self._active_run()
            path = Path(run_dir) if run_dir is not None else (self._served.path if self._served else
                                                              self.settings.run_dir)
            current = max(active.version if active else 0, self._served.version if self._served else 0)
            try:
                served = self._load(path, current + 1)
            except (ConfigError, IncompatibleRunError) as e:
                raise ConfigError(_without_paths(str(e), path), source="run_dir", field="run_dir") from e
            except WhyrecError:
                raise
            except (OSError, ValueError) as e:  # unreadable files, a path with a NUL byte...
                raise ConfigError(f"cannot load run {path.name!r}: {type(e).__name__}. Give a run directory made "
                                  "by `whyrec train --out DIR`.", source="run_dir", field="run_dir") from e
            self._publish(served)
            self._served = served
            self._on_swap()
            return served

    def _publish(self, served: ServedRun) -> None:
        if self._copies is not None:
            self._copies.keep(served.path, served.content_hash)
        _record(self.storage, served.path, served.version, served.content_hash)

    def _load_active(self, active: ActiveRun) -> ServedRun:
        """Load the store's active run from its folder, or from the private copy of its content when the
        folder is gone or holds another run now."""
        try:
            served = self._load(active.run_dir, active.version)
            _check_content(served, active)
        except (ConfigError, IncompatibleRunError):
            copy = self._copies.find(active.content_hash) if self._copies is not None else None
            if copy is None:
                raise
            logger.warning("run folder %s was deleted or changed; loading the private copy of version %d",
                           Path(active.run_dir).name, active.version)
            served = self._load(copy, active.version)
            served.path = Path(active.run_dir)  # a reload without a folder reads the folder again
            return served
        if self._copies is not None:
            self._copies.keep(served.path, served.content_hash)
        return served

    def _active_run(self) -> ActiveRun | None:
        return active_run(self.storage)

    def _follow(self) -> None:
        """Adopt a run published by another worker; loads in a background thread, so no request waits."""
        now = time.monotonic()
        if now - self._checked_at < self.settings.reload_check_s:
            return
        self._checked_at = now
        try:
            active = self._active_run()
        except WhyrecError:
            logger.exception("could not read the active run from the store")
            return
        current = self._served.version if self._served else 0
        if active is None or active.version <= current or active.version in (self._loading_version,
                                                                              self._failed_version):
            return
        self._loading_version = active.version
        threading.Thread(target=self._adopt, args=(active,), name="whyrec-reload", daemon=True).start()

    def _adopt(self, active: ActiveRun) -> None:
        version = active.version
        try:
            served = self._load_active(active)
        except Exception:
            logger.exception("could not load the run (version %d) published by another worker", version)
            self._failed_version = version
            return
        finally:
            self._loading_version = None
        with self._reload_lock:
            if self._served is None or version > self._served.version:
                self._served = served
                self._on_swap()

    def wait_for_version(self, version: int, timeout_s: float = 30.0) -> bool:
        """Block until this worker serves `version` (for tests and scripts); True when it does."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._checked_at = 0.0
            served = self.served
            if served.version >= version:
                return True
            time.sleep(0.05)
        return False


def _without_paths(message: str, path: Path) -> str:
    """`message` with the run's folder named by its last part only (responses carry no server paths)."""
    for shown in sorted({str(path), str(path.absolute()), str(path.resolve())}, key=len, reverse=True):
        message = message.replace(shown, path.name)
    return message


@dataclass(frozen=True)
class ActiveRun:
    """The store's record of the run every worker serves."""

    run_dir: str
    version: int
    content_hash: str | None
    """SHA-256 of the run's arrays.npz and meta.json (None in records written by older versions)."""


def active_run(storage: Storage) -> ActiveRun | None:
    """The store's active run, or None when none is recorded (or the record is unreadable)."""
    raw = storage.get_state(ACTIVE_RUN_KEY)
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return ActiveRun(str(data["run_dir"]), int(data["version"]), data.get("hash"))
    except (ValueError, KeyError, TypeError, AttributeError):
        logger.warning("ignoring an unreadable %s state", ACTIVE_RUN_KEY)
        return None


def next_version(active: ActiveRun | None, content: str, run_dir: str | Path, *, switch: bool) -> int:
    """The version a server starting with `run_dir` (content hash `content`) serves.

    The active run's version when it is the same content (nothing to publish); the next one when the store
    has none or `switch` is set.

    Raises:
        ConfigError: the store serves another run and `switch` is off.
    """
    if active is None:
        return 1
    same = active.content_hash == content if active.content_hash else \
        Path(active.run_dir) == Path(run_dir).resolve()
    if same:
        return active.version
    if not switch:
        raise ConfigError(f"the database already serves another run (version {active.version}, from a folder "
                          f"named {Path(active.run_dir).name!r}); starting with {Path(run_dir).name!r} would "
                          "switch every server on it. Serve that run, use another database, switch the running "
                          "service with POST /v1/admin/reload (admin key), or pass --publish "
                          "(WHYREC_SWITCH_RUN=true).", source="run_dir", field="run_dir")
    return active.version + 1


def _record(storage: Storage, path: Path, version: int, content: str) -> None:
    storage.set_state(ACTIVE_RUN_KEY, json.dumps({"run_dir": str(Path(path).resolve()), "version": version,
                                                  "hash": content}))


def _check_content(served: ServedRun, active: ActiveRun) -> None:
    if active.content_hash and served.content_hash != active.content_hash:
        raise ConfigError(f"the run folder {served.path.name!r} changed since version {active.version} was "
                          "published (another content hash): it was retrained or overwritten. Publish it again "
                          "with POST /v1/admin/reload.", source="run_dir", field="run_dir")


def publish_run(storage: Storage, run_dir: str | Path, *, switch: bool = False) -> int:
    """Record `run_dir` as the active run without loading it, as :func:`next_version` decides; returns the
    version.

    ``whyrec serve --workers N`` calls it once in the parent process, and every worker adopts that run.

    Raises:
        ConfigError: the store serves another run and `switch` is off.
    """
    active = active_run(storage)
    content = run_hash(run_dir)
    version = next_version(active, content, run_dir, switch=switch)
    if active is None or version != active.version:
        _record(storage, Path(run_dir), version, content)
    return version
