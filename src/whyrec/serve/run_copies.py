"""Private copies of the runs a service has published, kept by content hash.

A worker that starts later (``whyrec serve --workers N`` restarts a worker that died) adopts the active run
recorded in the store. When that run's folder has been deleted or overwritten meanwhile, it loads the copy
with the recorded content hash instead, so a deleted run folder cannot keep a restarted worker down.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from whyrec.serve.served_run import run_hash

__all__ = ["RunCopies"]

logger = logging.getLogger(__name__)


class RunCopies:
    """A folder of run copies, one subfolder per content hash (``<root>/<sha256>``).

    Args:
        root: the folder; private to one service (``whyrec serve`` makes a temporary one and removes it).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def keep(self, run_dir: Path, content_hash: str) -> None:
        """Copy `run_dir` as the copy of `content_hash`, unless there is one already.

        The copy is made under a temporary name, checked against the hash and then renamed, so a worker never
        sees half a copy; a folder whose content changed while it was copied is not kept (and logged).
        """
        target = self.root / content_hash
        if target.exists():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".copy-", dir=self.root))
        try:
            shutil.copytree(run_dir, staging, dirs_exist_ok=True)
            if run_hash(staging) != content_hash:
                logger.warning("run %s changed while it was copied; no private copy kept", Path(run_dir).name)
                return
            staging.rename(target)
        except OSError as e:
            if not target.exists():  # another worker's rename winning the race is fine
                logger.warning("could not keep a private copy of run %s: %s", Path(run_dir).name, e)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def find(self, content_hash: str | None) -> Path | None:
        """The copy of `content_hash`, or None."""
        if not content_hash:
            return None
        target = self.root / content_hash
        return target if target.is_dir() else None
