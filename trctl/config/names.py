"""Setting names, their environment variables and the fixed values of trctl's config files."""

from __future__ import annotations

import re

# setting name -> environment variable, in the order `trctl config show` lists them
ENV_VARS: dict[str, str] = {
    "account_sid": "TWILIO_ACCOUNT_SID",
    "auth_token": "TWILIO_AUTH_TOKEN",
    "api_key": "TWILIO_API_KEY",
    "api_secret": "TWILIO_API_SECRET",
    "workspace": "TRCTL_WORKSPACE_SID",
    "workflow": "TRCTL_WORKFLOW_SID",
    "api_url": "TRCTL_API_URL",
    "profile": "TRCTL_PROFILE",
    "timeout": "TRCTL_TIMEOUT",
}
SECRET_SETTINGS = frozenset({"auth_token", "api_secret"})
CREDENTIAL_SETTINGS = ("account_sid", "auth_token", "api_key", "api_secret")
# what a trctl profile may hold (everything but the profile name itself)
PROFILE_KEYS = tuple(name for name in ENV_VARS if name != "profile")
DEFAULT_TIMEOUT_SECONDS = 15.0
DEFAULT_PROFILE = "default"
CONFIG_FILE = "config.json"
FILE_VERSION = 1
PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
UNSET = "unset"
