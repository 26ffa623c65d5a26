"""Private JSON files in trctl's config directory: read (noting a file others can read) and
written atomically with mode 0600 in a 0700 directory (profiles, saved callback URLs)."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from trctl.config.files import parse_json_object
from trctl.errors import ConfigError


def permission_problem(path: Path, st: os.stat_result) -> str | None:
    """Why a file may not be trusted (another owner, readable by others), or None."""
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return f"{path} belongs to another user (uid {st.st_uid}); refusing to use it"
    if st.st_mode & 0o077:
        mode = stat.S_IMODE(st.st_mode)
        return f"{path} is accessible by other users (mode {mode:04o}); refusing to use it"
    return None


def read_private_json(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(the JSON object, or None when the file does not exist; why it is insecure, or None)."""
    try:
        with open(path, encoding="utf-8") as handle:
            insecure = permission_problem(path, os.fstat(handle.fileno()))
            text = handle.read()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return parse_json_object(path, text), insecure


def write_private_json(path: Path, body: Any) -> None:
    """Write atomically (temporary file, fsync, os.replace) with mode 0600 in a 0700 directory
    (an existing, more open directory is tightened to 0700)."""
    directory = path.parent
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(directory.stat().st_mode) != 0o700:
        try:
            os.chmod(directory, 0o700)
        except OSError as exc:
            raise ConfigError(f"cannot make {directory} private: {exc.strerror or exc}") from exc
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
