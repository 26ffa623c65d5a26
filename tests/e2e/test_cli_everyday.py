"""E2E: the everyday commands of issue 14 (global options anywhere, task reasons), against the
emulator."""

from __future__ import annotations

from cli_support import as_json, failed, invoke, ok

WORKSPACE = "TaskRouter Quickstart"


def test_global_options_work_after_the_command(cli_env, emulator, quickstart) -> None:
    bare = {k: v for k, v in cli_env.items() if k not in ("TRCTL_WORKSPACE_SID", "TRCTL_API_URL")}
    listed = as_json(bare, "workers", "list", "-w", WORKSPACE, "--api-url", emulator.url)
    assert {w["friendly_name"] for w in listed} == {"Alice", "Bob"}
    # on a group and on the command alike; the later of two -w wins, as the later word does
    ok(bare, "--api-url", emulator.url, "-w", "nope", "workers", "-w", WORKSPACE, "list")
    assert "unknown workspace 'nope'" in failed(
        bare, 4, "workers", "list", "--api-url", emulator.url, "-w", "nope"
    )
    assert 'profile named "nope" (flag --profile)' in failed(
        cli_env, 3, "tasks", "list", "--profile", "nope"
    )
    other_account = "AC" + "9" * 32
    assert "401" in failed(cli_env, 3, "workers", "list", "--account-sid", other_account)
    # --debug after the command shows the traceback of a failure
    missing = "WT" + "0" * 32
    debugged = invoke(cli_env, "tasks", "show", missing, "--debug")
    assert debugged.exit_code == 4 and "Traceback" in debugged.stderr
    assert "Traceback" not in invoke(cli_env, "tasks", "show", missing).stderr


def test_a_command_keeps_its_own_option_of_a_global_name(cli_env, tmp_path) -> None:
    """`profiles set --account-sid` names the profile's account, not the run's."""
    sid = "AC" + "4" * 32
    done = invoke(cli_env, "profiles", "set", "p", "--account-sid", sid, "--from-env")
    assert done.exit_code == 0, done.stderr
    assert next(p["account_sid"] for p in as_json(cli_env, "profiles", "list")) == sid
