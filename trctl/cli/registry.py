"""The command tree: top-level names, the module that defines each, and singular aliases."""

from __future__ import annotations

# name shown in --help -> "module:attribute". Modules are imported only when their command runs
# or when --help lists it, so they must not import twilio, requests, rich or pyngrok at import
# time (import those inside the functions that need them).
COMMANDS: dict[str, str] = {
    "activities": "trctl.cli.activities:activities",
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
    "activities": "List and create activities (alias: activity).",
    "config": "Show the effective configuration and check the credentials.",
    "demo": "Play the TaskRouter quickstart on a built-in emulator: no account, no network.",
    "doctor": "Check the workspace's health; each finding comes with the command that fixes it.",
    "emulator": "Run the offline TaskRouter emulator (the official twilio SDK works against it).",
    "events": "The workspace's event log: list, tail, and what each type means (alias: event).",
    "explain": "Explain why a task is (not) routed: filters, target, each worker's verdict.",
    "profiles": "Manage trctl profiles (secrets are prompted for, never taken as arguments).",
    "queues": "List, create and update task queues (alias: queue).",
    "reservations": "List reservations; accept or reject one over REST (alias: reservation).",
    "serve-callback": (
        "Answer TaskRouter's assignment callbacks (accept by default) on a local server."
    ),
    "stats": "Show the workspace at a glance from TaskRouter's statistics endpoints.",
    "tasks": "Create, list and finish tasks (alias: task).",
    "watch": "Watch routing live: workers, queues and the latest events on one screen.",
    "workers": "List, create and update workers; move them between activities (alias: worker).",
    "workflows": "List, create, update and lint workflows (alias: workflow).",
    "workspaces": "List workspaces and choose the one trctl works in (alias: workspace).",
}
