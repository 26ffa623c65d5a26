"""One emulator per store: an OS lock on a file beside the store, held while the emulator runs.

Two emulators on one SQLite file both ran, and both outboxes delivered the same callbacks. The
lock is `flock` on `<store>.lock` (not SQLite's own POSIX locks on the database, which come and
go with its transactions), so the kernel drops it when the process ends, kill -9 included: no
stale lock survives its owner. The file says who holds it (PID, then the port once bound), for the
refusal message; its contents are never trusted for anything else.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from trctl.emulator.core.files import private_file


class StoreBusy(Exception):
    """Another process serves this store."""

    def __init__(self, store: str, holder: str) -> None:
        super().__init__(
            f"the store {store} is already served by another emulator ({holder}); stop it, or "
            "give this one another --db (or --memory)"
        )


class StoreOwner:
    """Holds the lock of one store file from acquire() to release()."""

    def __init__(self, db_path: str | Path) -> None:
        self.store = str(db_path)
        self.path = Path(f"{db_path}.lock")
        self._fd: int | None = None

    def acquire(self) -> StoreOwner:
        """Take the lock at once or raise StoreBusy naming the holder; write our PID."""
        fd = private_file(self.path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(os.pread(fd, 200, 0).decode("utf-8", "replace"))
            os.close(fd)
            raise StoreBusy(self.store, holder) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self.note(None)
        return self

    def note(self, port: int | None) -> None:
        """Record who holds the lock: `pid=N port=N` (the port once the server is bound)."""
        if self._fd is None:
            return
        text = f"pid={os.getpid()}" + (f" port={port}" if port is not None else "") + "\n"
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, text.encode(), 0)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the last descriptor drops the flock


def _describe(text: str) -> str:
    fields = dict(part.split("=", 1) for part in text.split() if "=" in part)
    pid = fields.get("pid", "").strip()
    port = fields.get("port", "").strip()
    if not pid.isdigit():
        return "PID unknown"
    return f"PID {pid}" + (f", port {port}" if port.isdigit() else ", still starting")
