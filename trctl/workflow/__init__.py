"""Workflow configurations, shared by the emulator and the CLI: parsing, checks, the walk."""
