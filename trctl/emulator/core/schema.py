"""The emulator's SQLite schema (one table per TaskRouter resource, plus meta and the outbox)."""

from __future__ import annotations

SCHEMA_VERSION = 2

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS workspaces (
    id INTEGER PRIMARY KEY, sid TEXT NOT NULL UNIQUE, friendly_name TEXT NOT NULL,
    event_callback_url TEXT, events_filter TEXT, multi_task_enabled INTEGER NOT NULL,
    default_activity_sid TEXT, timeout_activity_sid TEXT, prioritize_queue_order TEXT NOT NULL,
    date_created REAL NOT NULL, date_updated REAL NOT NULL);

CREATE TABLE IF NOT EXISTS activities (
    id INTEGER PRIMARY KEY, sid TEXT NOT NULL UNIQUE, workspace_sid TEXT NOT NULL,
    friendly_name TEXT NOT NULL, available INTEGER NOT NULL,
    date_created REAL NOT NULL, date_updated REAL NOT NULL);

CREATE TABLE IF NOT EXISTS task_channels (
    id INTEGER PRIMARY KEY, sid TEXT NOT NULL UNIQUE, workspace_sid TEXT NOT NULL,
    friendly_name TEXT NOT NULL, unique_name TEXT NOT NULL,
    channel_optimized_routing INTEGER NOT NULL DEFAULT 0,
    date_created REAL NOT NULL, date_updated REAL NOT NULL,
    UNIQUE (workspace_sid, unique_name));

CREATE TABLE IF NOT EXISTS workers (
    id INTEGER PRIMARY KEY, sid TEXT NOT NULL UNIQUE, workspace_sid TEXT NOT NULL,
    friendly_name TEXT NOT NULL, activity_sid TEXT NOT NULL, attributes TEXT NOT NULL,
    available INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 0,
    date_created REAL NOT NULL, date_updated REAL NOT NULL, date_status_changed REAL NOT NULL,
    live INTEGER NOT NULL DEFAULT 0,
    UNIQUE (workspace_sid, friendly_name));

CREATE TABLE IF NOT EXISTS worker_channels (
    id INTEGER PRIMARY KEY, sid TEXT NOT NULL UNIQUE, workspace_sid TEXT NOT NULL,
    worker_sid TEXT NOT NULL, task_channel_sid TEXT NOT NULL, capacity INTEGER NOT NULL,
    available INTEGER NOT NULL, date_created REAL NOT NULL, date_updated REAL NOT NULL,
    live INTEGER NOT NULL DEFAULT 0,
    UNIQUE (worker_sid, task_channel_sid));

CREATE TABLE IF NOT EXISTS task_queues (
    id INTEGER PRIMARY KEY, sid TEXT NOT NULL UNIQUE, workspace_sid TEXT NOT NULL,
    friendly_name TEXT NOT NULL, target_workers TEXT NOT NULL,
    max_reserved_workers INTEGER NOT NULL, task_order TEXT NOT NULL,
    reservation_activity_sid TEXT, assignment_activity_sid TEXT,
    date_created REAL NOT NULL, date_updated REAL NOT NULL);

CREATE TABLE IF NOT EXISTS workflows (
    id INTEGER PRIMARY KEY, sid TEXT NOT NULL UNIQUE, workspace_sid TEXT NOT NULL,
    friendly_name TEXT NOT NULL, configuration TEXT NOT NULL,
    assignment_callback_url TEXT, fallback_assignment_callback_url TEXT,
    task_reservation_timeout INTEGER NOT NULL,
    date_created REAL NOT NULL, date_updated REAL NOT NULL);

CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY, sid TEXT NOT NULL UNIQUE, workspace_sid TEXT NOT NULL,
    workflow_sid TEXT, task_queue_sid TEXT, task_channel_sid TEXT NOT NULL,
    attributes TEXT NOT NULL, priority INTEGER NOT NULL, base_priority INTEGER NOT NULL,
    assignment_status TEXT NOT NULL, reason TEXT, timeout INTEGER NOT NULL,
    ttl_deadline REAL, queue_entered REAL, virtual_start_time REAL NOT NULL,
    routing_target TEXT, ignore_capacity INTEGER NOT NULL DEFAULT 0,
    filter_index INTEGER, target_index INTEGER, target_deadline REAL,
    assignment_count INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0,
    date_created REAL NOT NULL, date_updated REAL NOT NULL, routing_class TEXT);

CREATE TABLE IF NOT EXISTS reservations (
    id INTEGER PRIMARY KEY, sid TEXT NOT NULL UNIQUE, workspace_sid TEXT NOT NULL,
    task_sid TEXT NOT NULL, worker_sid TEXT NOT NULL, task_channel_sid TEXT NOT NULL,
    task_queue_sid TEXT, workflow_sid TEXT, status TEXT NOT NULL, deadline REAL,
    worker_previous_activity_sid TEXT, instruction TEXT, version INTEGER NOT NULL DEFAULT 0,
    date_created REAL NOT NULL, date_updated REAL NOT NULL);

CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, sid TEXT NOT NULL UNIQUE, workspace_sid TEXT NOT NULL,
    event_type TEXT NOT NULL, resource_type TEXT NOT NULL, resource_sid TEXT NOT NULL,
    resource_url TEXT NOT NULL, actor_type TEXT NOT NULL, actor_sid TEXT NOT NULL,
    actor_url TEXT NOT NULL, description TEXT NOT NULL, event_data TEXT NOT NULL,
    task_sid TEXT, worker_sid TEXT, reservation_sid TEXT, task_queue_sid TEXT,
    workflow_sid TEXT, task_channel TEXT, event_date REAL NOT NULL);

CREATE TABLE IF NOT EXISTS event_fields (code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);

CREATE TABLE IF NOT EXISTS event_values (
    hash TEXT PRIMARY KEY, value TEXT NOT NULL, last_used REAL NOT NULL);

CREATE TABLE IF NOT EXISTS event_cursors (url TEXT PRIMARY KEY, last_id INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, workspace_sid TEXT NOT NULL,
    url TEXT NOT NULL, fallback_url TEXT, params TEXT NOT NULL,
    idempotency_token TEXT NOT NULL, reservation_sid TEXT, attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending', result TEXT, created REAL NOT NULL);
"""

# Columns added since a store was first made: (table, column, definition). A store of an older
# trctl gets them on open (ALTER TABLE); Store.upgrade fills them in.
ADDED_COLUMNS = (
    ("workers", "live", "INTEGER NOT NULL DEFAULT 0"),  # live reservations (v2)
    ("worker_channels", "live", "INTEGER NOT NULL DEFAULT 0"),  # ... on this channel (v2)
    ("tasks", "routing_class", "TEXT"),  # see eligibility.routing_class (v2)
    ("reservations", "version", "INTEGER NOT NULL DEFAULT 0"),  # the ETag (v2)
)

# Created after the columns they need exist. Routing reads tasks by class within a queue and
# free workers in the order they are offered work (longest idle first).
INDEXES = """
CREATE INDEX IF NOT EXISTS activities_ws ON activities (workspace_sid, id);
CREATE INDEX IF NOT EXISTS task_queues_ws ON task_queues (workspace_sid, id);
CREATE INDEX IF NOT EXISTS workflows_ws ON workflows (workspace_sid, id);
CREATE INDEX IF NOT EXISTS tasks_ws ON tasks (workspace_sid, id);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks (workspace_sid, assignment_status, id);
CREATE INDEX IF NOT EXISTS tasks_ttl ON tasks (ttl_deadline) WHERE ttl_deadline IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_target_deadline ON tasks (target_deadline)
    WHERE target_deadline IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_finished ON tasks (date_updated)
    WHERE assignment_status IN ('completed','canceled');
CREATE INDEX IF NOT EXISTS reservations_task ON reservations (task_sid, id);
CREATE INDEX IF NOT EXISTS reservations_worker ON reservations (worker_sid, status, id);
CREATE INDEX IF NOT EXISTS reservations_deadline ON reservations (deadline)
    WHERE deadline IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_ws ON events (workspace_sid, event_date, id);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, id);
CREATE INDEX IF NOT EXISTS outbox_finished ON outbox (id) WHERE state != 'pending';
CREATE INDEX IF NOT EXISTS event_values_used ON event_values (last_used);
CREATE INDEX IF NOT EXISTS tasks_routing ON tasks
    (task_queue_sid, assignment_status, routing_class, priority DESC, queue_entered, id);
CREATE INDEX IF NOT EXISTS workers_free ON workers
    (workspace_sid, available, live, date_status_changed, sid);
CREATE INDEX IF NOT EXISTS workers_idle ON workers
    (workspace_sid, available, date_status_changed, sid);
DROP INDEX IF EXISTS tasks_queue_order;
DROP INDEX IF EXISTS workers_avail;
"""

# Tables emptied by `trctl emulator reset` (meta keeps the credentials).
DATA_TABLES = (
    "workspaces",
    "activities",
    "task_channels",
    "workers",
    "worker_channels",
    "task_queues",
    "workflows",
    "tasks",
    "reservations",
    "events",
    "event_values",
    "event_cursors",
    "outbox",
)
