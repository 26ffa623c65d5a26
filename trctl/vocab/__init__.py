"""TaskRouter's vocabulary, defined once: what the CLI, callback server and emulator share."""
