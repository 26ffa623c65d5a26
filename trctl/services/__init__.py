"""Typed, plain-data operations over the official twilio library (never prints, no click/rich)."""
