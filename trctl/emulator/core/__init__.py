"""The domain: TaskRouter state, routing, lifecycle, timers, events and statistics over SQLite."""
