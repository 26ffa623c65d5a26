"""Durable callback delivery: worker threads send outbox rows (signed) and apply the answers."""

from __future__ import annotations

import json
import logging
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trctl.emulator.core.backend import Backend

log = logging.getLogger("trctl.emulator")

CALLBACK_TIMEOUT = 5.0
EVENT_TIMEOUT = 15.0
EVENT_ATTEMPTS = 2  # one retry, Twilio's default for webhooks


class Outbox:
    """Claims pending outbox rows, posts them outside the lock, records the outcome."""

    def __init__(self, backend: Backend, auth_token: str, threads: int = 4) -> None:
        self.backend = backend
        self.auth_token = auth_token
        self.cond = threading.Condition()
        self.in_flight: set[int] = set()
        self.stopping = False
        self.threads = [
            threading.Thread(target=self._run, name=f"trctl-outbox-{n}", daemon=True)
            for n in range(threads)
        ]
        backend.commit_hooks.append(self.kick)

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        for thread in self.threads:
            if thread.is_alive():
                thread.join(timeout)

    def kick(self) -> None:
        with self.cond:
            self.cond.notify_all()

    # -- idle detection -------------------------------------------------------------------------
    def _pending_count(self) -> int:
        return int(
            self.backend.store.scalar("SELECT COUNT(*) FROM outbox WHERE state = 'pending'") or 0
        )

    def idle(self) -> bool:
        return not self.in_flight and self._pending_count() == 0

    def wait_idle(self, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(self.idle, timeout)

    # -- delivery -------------------------------------------------------------------------------
    def _claim(self) -> Any:
        exclude = ",".join(str(i) for i in self.in_flight) or "0"
        # event callbacks go out one at a time per workspace, in order; assignments in parallel
        row = self.backend.store.one(
            f"SELECT * FROM outbox o WHERE state = 'pending' AND id NOT IN ({exclude}) "
            "AND (kind != 'event' OR NOT EXISTS (SELECT 1 FROM outbox p WHERE p.kind = 'event' "
            "AND p.state = 'pending' AND p.workspace_sid = o.workspace_sid AND p.id < o.id)) "
            "ORDER BY id LIMIT 1"
        )
        if row is not None:
            self.in_flight.add(row["id"])
        return row

    def _run(self) -> None:
        while True:
            with self.cond:
                row = None
                while not self.stopping:
                    row = self._claim()
                    if row is not None:
                        break
                    self.cond.wait()
                if self.stopping:
                    return
            try:
                self._deliver(row)
            except Exception:  # delivery problems must not kill the thread
                log.exception("outbox delivery of row %s failed", row["id"])
                self._finish(row["id"], "failed", "internal error")
            finally:
                with self.cond:
                    self.in_flight.discard(row["id"])
                    self.cond.notify_all()

    def _deliver(self, row: Any) -> None:
        from trctl.emulator.delivery.client import parse_instruction, post_callback

        params = json.loads(row["params"])
        token = row["idempotency_token"]
        if row["kind"] == "event":
            result = None
            for _ in range(EVENT_ATTEMPTS):
                result = post_callback(
                    row["url"], params, auth_token=self.auth_token, idempotency_token=token,
                    timeout=EVENT_TIMEOUT,
                )  # fmt: skip
                if result.error is None and result.status is not None and result.status < 300:
                    break
            ok = result is not None and result.error is None and (result.status or 500) < 300
            self._finish(row["id"], "delivered" if ok else "failed", _describe(result))
            return
        result = post_callback(
            row["url"], params, auth_token=self.auth_token, idempotency_token=token,
            timeout=CALLBACK_TIMEOUT,
        )  # fmt: skip
        instruction = parse_instruction(result)
        if instruction.kind == "invalid" and row["fallback_url"]:
            log.info(
                "assignment callback failed (%s); trying the fallback URL", instruction.problem
            )
            result = post_callback(
                row["fallback_url"], params, auth_token=self.auth_token, idempotency_token=token,
                timeout=CALLBACK_TIMEOUT,
            )  # fmt: skip
            instruction = parse_instruction(result)
        outcome = "no action"
        if instruction.kind != "invalid" and row["reservation_sid"]:
            outcome = self.backend.apply_answer(
                row["reservation_sid"], instruction.kind, dict(instruction.params)
            )
        state = "failed" if instruction.kind == "invalid" else "delivered"
        self._finish(row["id"], state, f"{_describe(result)}; {instruction.kind}: {outcome}")

    def _finish(self, row_id: int, state: str, result: str) -> None:
        with self.backend.tx():
            self.backend.store.execute(
                "UPDATE outbox SET state = ?, result = ?, attempts = attempts + 1 WHERE id = ?",
                (state, result[:500], row_id),
            )


def _describe(result: Any) -> str:
    if result is None:
        return "not sent"
    if result.error:
        return f"error: {result.error}"
    return f"HTTP {result.status}"
