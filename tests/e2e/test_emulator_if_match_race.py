"""Six concurrent reservation updates carrying one ETag: exactly one wins, the others get 412."""

from __future__ import annotations

import json
import threading
from typing import Any

from emulator_http import call

ROUNDS = 20
RACERS = 6


def race(emulator: Any, path: str, etag: str) -> list[int]:
    """RACERS threads released together, each POSTing accept or reject with If-Match: etag."""
    barrier = threading.Barrier(RACERS)
    statuses: list[int] = []
    lock = threading.Lock()

    def update(index: int) -> None:
        # accepts and rejects mixed: whichever lands first, the rest name an older version
        form = {"ReservationStatus": "accepted" if index % 2 == 0 else "rejected"}
        barrier.wait(10)
        answer = call(emulator, "POST", path, form, headers={"If-Match": etag})
        with lock:
            statuses.append(answer.status)

    threads = [threading.Thread(target=update, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(statuses)


def test_one_of_six_concurrent_if_match_updates_wins(emulator: Any, sdk: Any) -> None:
    workspace = sdk.taskrouter.v1.workspaces.create(friendly_name="If-Match race").sid
    ws = sdk.taskrouter.v1.workspaces(workspace)
    idle = ws.activities.create(friendly_name="Idle", available=True).sid
    worker = ws.workers.create(friendly_name="Racer", activity_sid=idle).sid
    queue = ws.task_queues.create(friendly_name="All", target_workers="1==1").sid
    config = {"task_routing": {"filters": [], "default_filter": {"queue": queue}}}
    flow = ws.workflows.create(friendly_name="Flow", configuration=json.dumps(config)).sid
    for round_number in range(ROUNDS):
        task = ws.tasks.create(attributes="{}", workflow_sid=flow).sid
        (reservation,) = ws.tasks(task).reservations.list()
        path = f"/v1/Workspaces/{workspace}/Tasks/{task}/Reservations/{reservation.sid}"
        etag = call(emulator, "GET", path).headers["ETag"]
        assert race(emulator, path, etag) == [200] + [412] * (RACERS - 1), round_number
        assert call(emulator, "GET", path).headers["ETag"] != etag
        status = ws.tasks(task).fetch().assignment_status
        ending = "completed" if status == "assigned" else "canceled"
        ws.tasks(task).update(assignment_status=ending, reason="raced")
        assert ws.workers(worker).fetch().available
