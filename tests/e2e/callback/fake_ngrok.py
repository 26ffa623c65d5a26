"""A fake ngrok v3 agent for tests: the log lines and local API (/api/endpoints) pyngrok 9.1 uses.

Installed by `install_fake_ngrok(dir)` as an executable script. FAKE_NGROK_MODE picks a behaviour:
ok, 4018 (auth error line, exit), 108 (second agent), echo-token (an unknown error that quotes
NGROK_AUTHTOKEN, as ngrok's own messages may), exit (dies silently at once),
die-after-connect (exits shortly after opening the endpoint). FAKE_NGROK_RECORD names a JSON
file where the agent writes its argv, pid, web port, whether NGROK_AUTHTOKEN was in its
environment, and the endpoints it was asked to open.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

PUBLIC_URL = "https://fake-1234.ngrok-free.app"

AGENT = r"""
import json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, HTTPServer

MODE = os.environ.get("FAKE_NGROK_MODE", "ok")
RECORD = os.environ.get("FAKE_NGROK_RECORD")
PUBLIC_URL = "__PUBLIC_URL__"
state = {"argv": sys.argv, "pid": os.getpid(), "port": None, "endpoints": [],
         "token_in_env": bool(os.environ.get("NGROK_AUTHTOKEN"))}

def save():
    if RECORD:
        with open(RECORD + ".tmp", "w") as f:
            json.dump(state, f)
        os.replace(RECORD + ".tmp", RECORD)

def log(msg, lvl="info", **fields):
    extra = " ".join(f"{k}={v}" for k, v in fields.items())
    print(f't=2026-01-01T00:00:00+0000 lvl={lvl} msg="{msg}" {extra}', flush=True)

save()
if MODE == "exit":
    sys.exit(1)
if MODE in ("4018", "108", "echo-token"):
    text = {"4018": "authentication failed: Usage of ngrok requires a verified account and "
                    "authtoken.\\r\\n\\r\\nERR_NGROK_4018\\r\\n",
            "108": "Your account is limited to 1 simultaneous ngrok agent sessions."
                   "\\r\\n\\r\\nERR_NGROK_108\\r\\n",
            "echo-token": "The authtoken you specified is not valid. Your authtoken: "
                          + os.environ.get("NGROK_AUTHTOKEN", "")
                          + "\\r\\n\\r\\nERR_NGROK_999\\r\\n",
            }[MODE]
    log("failed to reconnect session", lvl="eror", obj="tunnels.session", err=f'"{text}"')
    log("session closing", lvl="eror", obj="tunnels.session", err=f'"{text}"')
    sys.exit(1)

class Api(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.reply(200, {"endpoints": state["endpoints"], "uri": "/api/endpoints"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        options = json.loads(self.rfile.read(length) or b"{}")
        endpoint = {"name": options.get("name"), "url": PUBLIC_URL,
                    "upstream": options.get("upstream"), "uri": "/api/endpoints/x"}
        state["endpoints"].append(endpoint)
        save()
        self.reply(201, endpoint)
        if MODE == "die-after-connect":
            threading.Timer(0.3, lambda: os._exit(3)).start()

    def do_DELETE(self):
        self.send_response(204)
        self.end_headers()

server = HTTPServer(("127.0.0.1", 0), Api)
state["port"] = server.server_address[1]
save()
log("starting web service", obj="web", addr=f"127.0.0.1:{state['port']}", allow_hosts="[]")
log("tunnel session started", obj="tunnels.session")
log("client session established", obj="csess", id="fake")
server.serve_forever()
"""


def install_fake_ngrok(directory: Path) -> Path:
    """Write the fake agent as an executable `ngrok` in directory and return its path."""
    path = directory / "ngrok"
    source = AGENT.replace("__PUBLIC_URL__", PUBLIC_URL)
    path.write_text(f"#!{sys.executable}\n{source}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie still answers kill(0): look at its state
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return False
