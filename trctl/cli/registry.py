"""The command tree: top-level names, the module that defines each, and singular aliases."""

from __future__ import annotations

# name shown in --help -> "module:attribute". Modules are imported only when their command runs
# or when --help lists it, so they must not import twilio, requests, rich or pyngrok at import
# time (import those inside the functions that need them).
COMMANDS: dict[str, str] = {
    "activities": "trctl.cli.activities:activities",
    "config": "trctl.cli.config_cmd:config",
    "demo": "trctl.cli.demo:demo",
    "events": "trctl.cli.events:events",
    "profiles": "trctl.cli.profiles:profiles",
    "queues": "trctl.cli.queues:queues",
    "reservations": "trctl.cli.reservations:reservations",
    "serve-callback": "trctl.cli.serve_callback:serve_callback",
    "tasks": "trctl.cli.tasks:tasks",
    "workers": "trctl.cli.workers:workers",
    "workflows": "trctl.cli.workflows:workflows",
    "workspaces": "trctl.cli.workspaces:workspaces",
}

# singular spellings used by the tutorial (`trctl task create`); accepted, not shown in --help
ALIASES: dict[str, str] = {
    "task": "tasks",
    "worker": "workers",
    "activity": "activities",
    "queue": "queues",
    "workflow": "workflows",
    "reservation": "reservations",
    "workspace": "workspaces",
    "event": "events",
    "profile": "profiles",
}
