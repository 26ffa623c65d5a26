"""The ngrok tunnel (pyngrok, imported lazily): open, watch and close it; every failure one line.

The authtoken never reaches the agent's argv: pyngrok 9.1.0 appends `--authtoken <token>` to the
command line whenever PyngrokConfig.auth_token is set (process._start_process), and
PyngrokConfig() fills it from NGROK_AUTHTOKEN. We clear it; the ngrok agent reads
NGROK_AUTHTOKEN from its inherited environment, or the authtoken from its own config file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trctl.errors import TunnelError
from trctl.redact import register_secrets

STARTUP_TIMEOUT_SECONDS = 15
AUTHTOKEN_HINT = (
    "set NGROK_AUTHTOKEN, or run `ngrok config add-authtoken <token>`; "
    "or use your own tunnel with --public-url"
)
INSTALL_HINT = (
    "install it (https://ngrok.com/download) or point PYNGROK_NGROK_PATH / --ngrok-path at it; "
    "or use your own tunnel with --public-url"
)
ERROR_HINTS = {
    "ERR_NGROK_4018": ("ngrok needs an authtoken (ERR_NGROK_4018)", AUTHTOKEN_HINT),
    "ERR_NGROK_105": ("ngrok rejected the authtoken (ERR_NGROK_105)", AUTHTOKEN_HINT),
    "ERR_NGROK_107": ("ngrok rejected the authtoken (ERR_NGROK_107)", AUTHTOKEN_HINT),
    "ERR_NGROK_108": (
        "another ngrok agent is already running for this account (ERR_NGROK_108)",
        "stop the other agent, or pass its URL with --public-url",
    ),
}
QUOTED_CHARACTERS = 200


def default_ngrok_path() -> str:
    """PYNGROK_NGROK_PATH, else pyngrok's default location (~/.config/ngrok/ngrok on Linux)."""
    from pyngrok import conf

    return os.environ.get("PYNGROK_NGROK_PATH") or conf.DEFAULT_NGROK_PATH


@dataclass
class Tunnel:
    """An open https tunnel: its public URL and the agent process behind it."""

    public_url: str
    config: Any  # pyngrok.conf.PyngrokConfig

    @property
    def agent_pid(self) -> int | None:
        from pyngrok import process

        running = process._current_processes.get(self.config.ngrok_path)
        return running.proc.pid if running is not None else None

    def alive(self) -> bool:
        from pyngrok import process

        return bool(process.is_process_running(self.config.ngrok_path))

    def close(self) -> None:
        """Kill the agent (and so the tunnel) and wait for it to exit."""
        from pyngrok import ngrok

        with contextlib.suppress(Exception):
            ngrok.kill(self.config)


def _quiet_pyngrok() -> None:
    from pyngrok import installer

    installer._print_progress_enabled = False  # download progress would corrupt stdout
    logger = logging.getLogger("pyngrok")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())  # no raw agent lines via logging.lastResort
    logger.setLevel(logging.INFO)  # pyngrok logs whole API bodies at DEBUG


def _config(ngrok_path: str, config_path: str | None, startup_timeout: int) -> Any:
    from pyngrok.conf import PyngrokConfig

    config = PyngrokConfig(
        ngrok_path=ngrok_path, config_path=config_path, startup_timeout=startup_timeout
    )
    config.auth_token = None  # never on argv: the agent reads NGROK_AUTHTOKEN itself
    config.api_key = None
    return config


def _translate(exc: Exception, ngrok_path: str) -> TunnelError:
    from pyngrok.exception import (
        PyngrokNgrokError,
        PyngrokNgrokHTTPError,
        PyngrokNgrokInstallError,
        PyngrokNgrokURLError,
    )

    if isinstance(exc, PyngrokNgrokInstallError):
        return TunnelError(f"ngrok is not installed at {ngrok_path}", hint=INSTALL_HINT)
    if isinstance(exc, (PyngrokNgrokHTTPError, PyngrokNgrokURLError)):
        return TunnelError(
            "the ngrok agent's local API refused to open the tunnel",
            hint="run with --debug for the agent's answer",
        )
    if isinstance(exc, PyngrokNgrokError):
        code = exc.ngrok_error_code
        said = _agent_said(exc)
        if code in ERROR_HINTS:
            message, hint = ERROR_HINTS[code]
            return TunnelError(f"{message}; the agent said: {said}" if said else message, hint=hint)
        if said:
            return TunnelError(f"ngrok failed to start: {said}", hint=code or None)
        return TunnelError(
            f"the ngrok agent at {ngrok_path} exited before the tunnel was up",
            hint="run `ngrok start --none` to see why",
        )
    if isinstance(exc, OSError):
        return TunnelError(f"cannot run ngrok at {ngrok_path}: {exc.strerror or exc}")
    return TunnelError(f"ngrok failed: {' '.join(str(exc).split())[:200]}")


def _agent_said(exc: Any) -> str:
    """The agent's own error text (or its last error log line), on one line, cut short; the
    authtoken, registered as a secret, is redacted where the message is printed."""
    text = str(exc.ngrok_error or "")
    if not text:
        errors = [
            log for log in exc.ngrok_logs or [] if getattr(log, "lvl", "") in ("ERROR", "CRITICAL")
        ]
        if errors:
            text = str(getattr(errors[-1], "err", "") or getattr(errors[-1], "msg", ""))
    text = " ".join(text.replace("\\r\\n", " ").split()).strip('"')
    if len(text) > QUOTED_CHARACTERS:
        text = text[: QUOTED_CHARACTERS - 1] + "…"
    return f'"{text}"' if text else ""


def check_prerequisites(ngrok_path: str | None = None, config_path: str | None = None) -> str:
    """The agent's path, once the binary is there and an authtoken is set (NGROK_AUTHTOKEN or
    ngrok's config file); a TunnelError otherwise. No network: run it before any request, so
    a missing agent is neither downloaded nor noticed after the workflow was rewired."""
    from pyngrok import conf

    path = ngrok_path or default_ngrok_path()
    if not Path(path).is_file():
        raise TunnelError(f"ngrok is not installed at {path}", hint=INSTALL_HINT)
    agent_config = conf.get_config_path(_config(path, config_path, STARTUP_TIMEOUT_SECONDS))
    if not _has_authtoken(agent_config):
        raise TunnelError(
            f"ngrok needs an authtoken: NGROK_AUTHTOKEN is not set and {agent_config} has none",
            hint=AUTHTOKEN_HINT,
        )
    return path


def _has_authtoken(config_path: str) -> bool:
    """NGROK_AUTHTOKEN is set, or ngrok's config file holds an `authtoken:` (v2 or v3 layout)."""
    if os.environ.get("NGROK_AUTHTOKEN", "").strip():
        return True
    try:
        text = Path(config_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"(?m)^\s*authtoken\s*:\s*['\"]?[^\s'\"#]", text) is not None


def open_tunnel(
    local_base: str,
    *,
    ngrok_path: str | None = None,
    config_path: str | None = None,
    startup_timeout: int = STARTUP_TIMEOUT_SECONDS,
) -> Tunnel:
    """Open an https tunnel to local_base (e.g. http://127.0.0.1:8080) or raise TunnelError."""
    from pyngrok import ngrok, process

    _quiet_pyngrok()
    register_secrets(os.environ.get("NGROK_AUTHTOKEN"))  # ngrok's own errors may quote it
    path = check_prerequisites(ngrok_path, config_path)
    config = _config(path, config_path, startup_timeout)

    def unstick() -> None:
        # pyngrok's startup loop blocks on readline(): a silent agent would hang it forever
        running = process._current_processes.get(path)
        if running is not None and running.proc.poll() is None:
            running.proc.kill()

    watchdog = threading.Timer(startup_timeout + 2, unstick)
    watchdog.daemon = True
    watchdog.start()
    try:
        # the scheme matters: a bare "127.0.0.1:PORT" becomes http://localhost:127.0.0.1:PORT
        opened = ngrok.connect(local_base, pyngrok_config=config)
    except Exception as exc:
        with contextlib.suppress(Exception):
            ngrok.kill(config)
        raise _translate(exc, path) from exc
    finally:
        watchdog.cancel()
    public_url = str(opened.public_url or "")
    if not public_url.startswith("https://"):
        with contextlib.suppress(Exception):
            ngrok.kill(config)
        raise TunnelError(f"ngrok opened {public_url!r}, not an https URL")
    return Tunnel(public_url=public_url, config=config)
