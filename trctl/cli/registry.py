"""The command tree: top-level names, the module that defines each, and singular aliases."""

from __future__ import annotations

# name shown in --help -> "module:attribute". Modules are imported only when their command runs
# or when --help lists it, so they must not import twilio, requests, rich or pyngrok at import
# time (import those inside the functions that need them).
COMMANDS: dict[str, str] = {
    "activities": "trctl.cli.activities:activities",
    "callback": "trctl.cli.callback:callback",
    "config": "trctl.cli.config_cmd:config",
    "demo": "trctl.cli.demo:demo",
    "doctor": "trctl.cli.doctor:doctor",
    "emulator": "trctl.cli.emulator:emulator",
    "events": "trctl.cli.events:events",
    "explain": "trctl.cli.explain:explain",
    "profiles": "trctl.cli.profiles:profiles",
    "queues": "trctl.cli.queues:queues",
    "reservations": "trctl.cli.reservations:reservations",
    "serve-callback": "trctl.cli.serve_callback:serve_callback",
    "simulate": "trctl.cli.simulate:simulate",
    "stats": "trctl.cli.stats:stats",
    "tasks": "trctl.cli.tasks:tasks",
    "watch": "trctl.cli.watch:watch",
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

# name -> its one-line help, so `trctl --help` lists commands without importing their modules
# (a test checks each against the command's real short help; a command missing here still
# works, it just costs its import on `trctl --help`).
SUMMARIES: dict[str, str] = {
    "activities": "List, create and delete activities (alias: activity).",
    "callback": "Send a signed test callback, or check a signature.",
    "config": "Show the settings in effect and check the credentials.",
    "demo": "Play the TaskRouter quickstart on a built-in emulator.",
    "doctor": "Check the workspace's health and say how to fix it.",
    "emulator": "Run the offline TaskRouter emulator.",
    "events": "List, follow and explain events (alias: event).",
    "explain": "Explain why a task is or is not routed.",
    "profiles": "Manage named credentials; secrets are never arguments.",
    "queues": "List, create, update and delete queues (alias: queue).",
    "reservations": "List, accept and reject reservations (alias: reservation).",
    "serve-callback": "Answer assignment callbacks on a local server.",
    "simulate": "Simulate a day of a contact centre on the workspace.",
    "stats": "Show the workspace's statistics at a glance.",
    "tasks": "Create, list, finish and delete tasks (alias: task).",
    "watch": "Watch workers, queues and events live on one screen.",
    "workers": "List, create, update and delete workers (alias: worker).",
    "workflows": "List, create, update, lint and delete workflows.",
    "workspaces": "List, create and delete workspaces; choose one to use.",
}
