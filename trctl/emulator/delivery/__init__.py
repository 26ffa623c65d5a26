"""Callback delivery: the durable outbox, the signed HTTP client and the answers it reads."""
