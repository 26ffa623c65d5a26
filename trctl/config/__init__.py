"""Effective settings and where each came from: flags, environment, trctl profile, twilio-cli.

The pieces: names.py (setting names and env variables), settings.py (Setting, Settings),
files.py (where the files live), profile_store.py (trctl's 0600 profile file),
twilio_cli.py (twilio-cli's config, read-only) and resolve.py (load_settings, the precedence).
"""

from __future__ import annotations

from trctl.config.files import config_dir, display_path, twilio_cli_config_path
from trctl.config.names import (
    CONFIG_FILE,
    CREDENTIAL_SETTINGS,
    DEFAULT_PROFILE,
    DEFAULT_TIMEOUT_SECONDS,
    ENV_VARS,
    FILE_VERSION,
    PROFILE_KEYS,
    PROFILE_NAME,
    SECRET_SETTINGS,
    UNSET,
)
from trctl.config.profile_store import (
    ProfileFile,
    check_profile_name,
    read_profile_file,
    save_to_profile,
    write_profile_file,
)
from trctl.config.resolve import check_api_url, is_api_url, load_settings
from trctl.config.settings import Setting, Settings, mask
from trctl.config.twilio_cli import TwilioCliProfile, read_twilio_cli, twilio_cli_profile

__all__ = [
    "CONFIG_FILE",
    "CREDENTIAL_SETTINGS",
    "DEFAULT_PROFILE",
    "DEFAULT_TIMEOUT_SECONDS",
    "ENV_VARS",
    "FILE_VERSION",
    "PROFILE_KEYS",
    "PROFILE_NAME",
    "SECRET_SETTINGS",
    "UNSET",
    "ProfileFile",
    "Setting",
    "Settings",
    "TwilioCliProfile",
    "check_api_url",
    "check_profile_name",
    "config_dir",
    "display_path",
    "is_api_url",
    "load_settings",
    "mask",
    "read_profile_file",
    "read_twilio_cli",
    "save_to_profile",
    "twilio_cli_config_path",
    "twilio_cli_profile",
    "write_profile_file",
]
