"""The quickstart's REST steps with the official twilio SDK, pointed at trctl's emulator.

    trctl emulator start &         # or any emulator URL
    eval "$(trctl emulator env)"   # TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TRCTL_API_URL
    trctl workspace apply examples/quickstart.toml
    python examples/sdk_quickstart.py

The only change an existing twilio-python program needs is the `base_url` line.
"""

from __future__ import annotations

import json
import os

from twilio.rest import Client

client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"])
client.taskrouter.base_url = os.environ["TRCTL_API_URL"]  # the emulator instead of Twilio

workspace = next(
    w for w in client.taskrouter.v1.workspaces.list() if w.friendly_name == "TaskRouter Quickstart"
)
ws = client.taskrouter.v1.workspaces(workspace.sid)
activities = {a.friendly_name: a.sid for a in ws.activities.list()}
alice = next(w for w in ws.workers.list() if w.friendly_name == "Alice")
workflow = next(
    f for f in ws.workflows.list() if f.friendly_name == "Incoming Customer Care Requests"
)

ws.workers(alice.sid).update(activity_sid=activities["Offline"])
task = ws.tasks.create(
    attributes=json.dumps({"selected_language": "es"}), workflow_sid=workflow.sid
)
print(f"created task {task.sid}: {task.assignment_status} in {task.task_queue_friendly_name}")

ws.workers(alice.sid).update(activity_sid=activities["Idle"])
(reservation,) = ws.tasks(task.sid).reservations.list(reservation_status="pending")
print(f"reservation {reservation.sid} for {reservation.worker_name}: pending")

accepted = ws.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
print(f"reservation {accepted.sid} for {accepted.worker_name}: {accepted.reservation_status}")
print(f"task {task.sid}: {ws.tasks(task.sid).fetch().assignment_status}")
print(f"Alice: {ws.workers(alice.sid).fetch().activity_name}")
