"""The quickstart workspace file, embedded so `trctl demo` works from an installed package."""

# examples/quickstart.toml is the same text (a test keeps them equal)
QUICKSTART_TOML = """\
# TaskRouter workspace for trctl: `trctl workspace apply FILE` (format: docs/workspace-files.md)
[workspace]
name = "TaskRouter Quickstart"
multi_task_enabled = false
default_activity = "Offline"
timeout_activity = "Offline"

[[activities]]
name = "Offline"
available = false

[[activities]]
name = "Idle"
available = true

[[activities]]
name = "Busy"
available = false

[[activities]]
name = "Reserved"
available = false

[[workers]]
name = "Alice"
activity = "Offline"
attributes = { languages = ["en", "es"] }

[[workers]]
name = "Bob"
activity = "Offline"
attributes = { languages = ["en"] }

[[queues]]
name = "Customer Care Requests - Spanish"
target_workers = 'languages HAS "es"'
reservation_activity = "Reserved"
assignment_activity = "Busy"

[[queues]]
name = "Customer Care Requests - English"
target_workers = 'languages HAS "en"'
reservation_activity = "Reserved"
assignment_activity = "Busy"

[[workflows]]
name = "Incoming Customer Care Requests"
task_reservation_timeout = 1200

[[workflows.filters]]
name = "Spanish"
expression = 'selected_language == "es"'
targets = [{ queue = "Customer Care Requests - Spanish" }]

[[workflows.filters]]
name = "English"
expression = 'selected_language == "en"'
targets = [{ queue = "Customer Care Requests - English" }]
"""
