"""trctl: Twilio TaskRouter from the terminal (version only; imports nothing)."""

__version__ = "0.1.0"
