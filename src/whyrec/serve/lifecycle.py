"""The served run: load it at start, swap it on reload, and follow the swaps other workers publish.

The active run lives in the store (``{"run_dir": ..., "version": ...}`` under :data:`ACTIVE_RUN_KEY`), so every
worker process serves the same run: the one that reloads publishes a new version, the others adopt it on their
next check.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from whyrec.errors import ConfigError, IncompatibleRunError, WhyrecError
from whyrec.serve.served_run import ServedRun, load_served_run
from whyrec.serve.settings import ServeSettings
from whyrec.serve.storage import Storage

__all__ = ["ACTIVE_RUN_KEY", "RunLifecycle", "publish_run"]

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

    def start(self) -> None:
        """Load the run: publish `settings.run_dir` as the active run, or adopt the one already published.

        Raises:
            ConfigError: the run directory is not a run.
        """
        active = self._active_run()
        if self.settings.publish_run or active is None:
            version = (active[1] if active else 0) + 1
            served = load_served_run(self.settings.run_dir, version)
            self._publish(served)
        else:
            served = load_served_run(active[0], active[1])
        self._served = served
        self._checked_at = time.monotonic()

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
            current = max(active[1] if active else 0, self._served.version if self._served else 0)
            try:
                served = load_served_run(path, current + 1)
            except (ConfigError, IncompatibleRunError) as e:
                raise ConfigError(str(e), source="run_dir", field="run_dir") from e
            except WhyrecError:
                raise
            except (OSError, ValueError) as e:  # unreadable files, a path with a NUL byte...
                raise ConfigError(f"cannot load run {str(path)!r}: {e}. Give a run directory made by "
                                  "`whyrec train --out DIR`.", source="run_dir", field="run_dir") from e
            self._publish(served)
            self._served = served
            self._on_swap()
            return served

    def _publish(self, served: ServedRun) -> None:
        self.storage.set_state(ACTIVE_RUN_KEY, json.dumps({"run_dir": str(served.path.resolve()),
                                                           "version": served.version}))

    def _active_run(self) -> tuple[str, int] | None:
        raw = self.storage.get_state(ACTIVE_RUN_KEY)
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return str(data["run_dir"]), int(data["version"])
        except (ValueError, KeyError, TypeError):
            logger.warning("ignoring unreadable %s state %r", ACTIVE_RUN_KEY, raw)
            return None

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
        if active is None or active[1] <= current or active[1] in (self._loading_version, self._failed_version):
            return
        self._loading_version = active[1]
        threading.Thread(target=self._adopt, args=active, name="whyrec-reload", daemon=True).start()

    def _adopt(self, run_dir: str, version: int) -> None:
        try:
            served = load_served_run(run_dir, version)
        except Exception:
            logger.exception("could not load run %s (version %d) published by another worker", run_dir, version)
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


def publish_run(storage: Storage, run_dir: str | Path) -> int:
    """Record `run_dir` as the active run under a new version, without loading it; returns the version.

    ``whyrec serve --workers N`` calls it once in the parent process, and every worker adopts that run.
    """
    raw = storage.get_state(ACTIVE_RUN_KEY)
    try:
        version = int(json.loads(raw)["version"]) + 1 if raw else 1
    except (ValueError, KeyError, TypeError):
        version = 1
    storage.set_state(ACTIVE_RUN_KEY, json.dumps({"run_dir": str(Path(run_dir).resolve()), "version": version}))
    return version
