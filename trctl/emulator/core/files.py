"""The store's files are private: 0600 files in 0700 directories, whatever the umask.

The store holds the account's auth token and API key secret in clear, as trctl's profiles hold
credentials; the same modes apply. SQLite gives its -wal and -shm files the mode of the database
file, so making the database 0600 before SQLite opens it covers all three.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

SIDE_FILES = ("-wal", "-shm", "-journal")


def private_directory(directory: Path) -> None:
    """Create missing directories 0700 (an existing one is left as its owner set it)."""
    missing = []
    for parent in (directory, *directory.parents):
        if parent.exists():
            break
        missing.append(parent)
    for parent in reversed(missing):
        try:
            parent.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(parent, 0o700)  # mkdir's mode is filtered by the umask


def private_file(path: Path) -> int:
    """Open (creating if needed) a file read-write with mode 0600 in a private directory; an
    existing file is tightened to 0600. Returns the descriptor."""
    private_directory(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != 0o600:
            os.fchmod(fd, 0o600)
    except BaseException:
        os.close(fd)
        raise
    return fd


def private_store(db_path: str) -> None:
    """Before SQLite opens db_path: the database and any side files it left are 0600."""
    os.close(private_file(Path(db_path)))
    for suffix in SIDE_FILES:
        side = Path(db_path + suffix)
        if side.exists() and stat.S_IMODE(side.stat().st_mode) != 0o600:
            os.chmod(side, 0o600)
