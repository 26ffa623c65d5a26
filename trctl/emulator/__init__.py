"""The offline TaskRouter emulator: public entry points (Emulator, FakeClock, SystemClock)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trctl.emulator.core.clock import FakeClock, SystemClock
    from trctl.emulator.emulator import Emulator

__all__ = ["Emulator", "FakeClock", "SystemClock"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that `trctl.emulator.delivery.signing` & co. stay cheap to import.
    if name == "Emulator":
        from trctl.emulator.emulator import Emulator

        return Emulator
    if name in ("FakeClock", "SystemClock"):
        from trctl.emulator.core import clock

        return getattr(clock, name)
    raise AttributeError(f"module 'trctl.emulator' has no attribute {name!r}")
