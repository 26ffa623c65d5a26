"""The root group, output layer, `config show` and `profiles` through click (no sockets)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from run_environment import Ran, run_trctl

from trctl.cli import root
from trctl.cli.output import Column, emit, emit_one, list_options, output_options
from trctl.cli.registry import COMMANDS, SUMMARIES
from trctl.config import read_profile_file
from trctl.services.http import RetryingHttpClient

SID = "AC" + "1" * 32
SID2 = "AC" + "2" * 32
KEY = "SK" + "3" * 32
TOKEN = "tok-" + "7" * 28
SECRET = "sec-" + "8" * 28


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The run's variables: private config directories, nothing of the developer's."""
    return {
        "TRCTL_CONFIG_DIR": str(tmp_path / "trctl"),
        "TWILIO_CONFIG_DIR": str(tmp_path / "twilio-cli"),
    }


@pytest.fixture
def run(env):
    """Invoke trctl in-process; `tty=True` runs it with stdin flagged as a terminal (prompts),
    `stdout_isatty=True` with stdout a terminal; other keywords are variables."""

    def invoke(
        *args: str,
        input: str | None = None,
        tty: bool = False,
        stdout_isatty: bool = False,
        transport: Any = None,
        **extra: str,
    ) -> Ran:
        return run_trctl(
            args,
            environ={**env, **extra},
            input=input,
            stdin_isatty=tty,
            stdout_isatty=stdout_isatty,
            transport=transport,
        )

    return invoke


def stored(env) -> dict:
    return json.loads((Path(env["TRCTL_CONFIG_DIR"]) / "config.json").read_text())


# --- root group -------------------------------------------------------------------------------


def test_version_and_help(run) -> None:
    assert run("--version").stdout.startswith("trctl, version ")
    result = run("--help")
    assert result.exit_code == 0
    assert "config" in result.stdout and "profiles" in result.stdout
    assert "profile " not in result.stdout.split("Commands:")[1]  # aliases are not listed


def test_registry_summaries_match_the_commands_real_help() -> None:
    ctx = click.Context(root)
    assert set(SUMMARIES) <= set(COMMANDS)
    for name, summary in SUMMARIES.items():
        real = root.get_command(ctx, name).get_short_help_str(limit=1000)
        assert real == summary, f"update SUMMARIES[{name!r}] in trctl/cli/registry.py"


def _groups(group: click.Group, ctx: click.Context):
    """Every group of the command tree with its context, the root first."""
    yield group, ctx
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            # make_context applies the commands' context settings (-h, as `trctl` has it): a
            # bare Context left click caching a help option without -h for docs/reference.md to show
            sub = command.make_context(name, [], parent=ctx, resilient_parsing=True)
            yield from _groups(command, sub)


def test_every_summary_in_help_at_80_columns_is_a_whole_sentence() -> None:
    """What `--help` lists for each command on an 80-column terminal: click cuts a summary at
    its first '. ' (so `e.g.` ended it) or at the column's width (with '...')."""
    width = 80 - 2  # click's help formatter keeps 2 columns free
    for group, ctx in _groups(root, root.make_context("trctl", [], resilient_parsing=True)):
        names = group.list_commands(ctx)
        limit = width - 6 - max(len(name) for name in names)
        for name in names:
            summary = group.get_command(ctx, name).get_short_help_str(limit)
            where = f"{ctx.command_path} {name}: {summary!r}"
            assert summary.endswith("."), where
            assert not summary.endswith(("e.g.", "...", "i.e.")), where


def test_a_top_level_typo_gets_did_you_mean_like_a_subcommand(run) -> None:
    result = run("tsks", "list")
    assert result.exit_code == 2
    said = "Error: No such command 'tsks'. Did you mean 'tasks'? (see 'trctl --help')\n"
    assert result.stderr == said
    assert "Did you mean 'worker'?" in run("workr", "list").stderr  # aliases are names too
    assert "Did you mean" not in run("zzz").stderr
    assert "Did you mean 'list'?" in run("tasks", "lst").stderr


def test_singular_alias_resolves_to_the_plural_group(run) -> None:
    result = run("profile", "list", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_unknown_command_and_option_are_usage_errors(run) -> None:
    for args in (["nope"], ["--nope"], ["profiles", "set"], ["config", "show", "--format", "x"]):
        result = run(*args)
        assert result.exit_code == 2, args
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
        assert "Traceback" not in result.output


# --- output layer -----------------------------------------------------------------------------

RECORDS = [{"sid": "WK1", "name": "Alice", "attrs": {"languages": ["en", "es"]}, "ok": True}]
COLUMNS = [Column("SID", "sid"), Column("NAME", "name", max_width=3), Column("OK", "ok")]


@click.command()
@list_options(COLUMNS)
def listing() -> None:
    emit(RECORDS, COLUMNS)


@click.command()
@output_options
def showing() -> None:
    emit_one(RECORDS[0], COLUMNS)


def test_table_is_plain_text_when_piped() -> None:
    result = CliRunner().invoke(listing, [])
    assert result.stdout.splitlines() == ["SID  NAME  OK", "WK1  Al…   true"]


def test_json_carries_whole_records_and_csv_the_tables_columns_uncut() -> None:
    assert json.loads(CliRunner().invoke(listing, ["--json"]).stdout) == RECORDS
    assert json.loads(CliRunner().invoke(listing, ["--format", "json"]).stdout) == RECORDS
    csv_text = CliRunner().invoke(listing, ["--csv"]).stdout
    assert csv_text.splitlines() == ["sid,name,ok", "WK1,Alice,true"]
    every_field = CliRunner().invoke(listing, ["--csv", "--all-columns"]).stdout
    assert every_field.splitlines() == [
        "sid,name,attrs,ok",
        'WK1,Alice,"{""languages"":[""en"",""es""]}",true',
    ]


def test_columns_chooses_and_orders_the_columns_in_every_format() -> None:
    table = CliRunner().invoke(listing, ["--columns", "ok,SID"]).stdout
    assert table.splitlines() == ["OK    SID", "true  WK1"]
    assert CliRunner().invoke(listing, ["--csv", "--columns", "name"]).stdout == "name\nAlice\n"
    assert json.loads(CliRunner().invoke(listing, ["--json", "--columns", "sid,ok"]).stdout) == [
        {"sid": "WK1", "ok": True}
    ]
    unknown = CliRunner().invoke(listing, ["--columns", "sid,nope"])
    assert unknown.exception.one_line() == "--columns: no column 'nope' (use sid, name, ok)"


def test_emit_one_formats() -> None:
    assert json.loads(CliRunner().invoke(showing, ["--json"]).stdout) == RECORDS[0]
    table = CliRunner().invoke(showing, []).stdout.splitlines()
    assert table == ["SID   WK1", "NAME  Alice", "OK    true"]  # one record: never clipped


def test_contradicting_formats_are_rejected() -> None:
    result = CliRunner().invoke(listing, ["--format", "csv", "--json"])
    assert result.exit_code == 2 and "contradict" in result.output


@pytest.mark.parametrize(
    ("terminal", "no_color", "bold"), [(True, "", True), (True, "1", False), (False, "", False)]
)
def test_table_has_bold_headers_on_a_terminal_without_no_color(run, terminal, no_color, bold):
    result = run("config", "show", stdout_isatty=terminal, NO_COLOR=no_color)
    assert result.exit_code == 0, result.output
    assert "SETTING" in result.stdout and "account_sid" in result.stdout
    assert ("\x1b[1m" in result.stdout) is bold
    if not bold:
        assert "\x1b" not in result.stdout  # NO_COLOR: no escape code at all


def test_json_is_indented_on_a_terminal_and_compact_when_piped(run) -> None:
    assert run("config", "show", "--json", stdout_isatty=True).stdout.startswith("[\n  {\n")
    assert run("config", "show", "--json").stdout.startswith('[{"setting":')


# --- config show ------------------------------------------------------------------------------


def test_config_show_lists_values_and_sources_with_secrets_masked(run) -> None:
    extra = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}
    result = run("--api-url", "http://127.0.0.1:1", "config", "show", "--json", **extra)
    assert result.exit_code == 0, result.output
    rows = {r["setting"]: r for r in json.loads(result.stdout)}
    assert rows["account_sid"] == {
        "setting": "account_sid",
        "value": SID,
        "source": "env TWILIO_ACCOUNT_SID",
    }
    assert rows["auth_token"]["value"] == "********"
    assert rows["api_url"]["source"] == "flag --api-url"
    assert rows["timeout"] == {"setting": "timeout", "value": "15", "source": "default"}
    assert rows["rest_auth"]["value"] == "account sid + auth token"
    assert TOKEN not in result.output


def test_config_show_never_prints_any_character_of_a_secret(run) -> None:
    extra = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": "Zq#%"}
    result = run("config", "show", **extra)
    assert result.exit_code == 0
    secret_line = next(line for line in result.stdout.splitlines() if line.startswith("api_secret"))
    assert not set("Zq#%") & set(secret_line.split()[1])


@pytest.mark.parametrize("fmt", ["--json", "--csv", "--format=table"])
def test_config_show_leaks_no_fragment_of_either_secret_in_any_format(run, fmt) -> None:
    token, secret = "Zq9#xW2!vK7$mP4&", "Yt8@uR1%nL6^bJ3*"
    extra = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": token}
    extra |= {"TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": secret}
    result = run("--debug", "config", "show", fmt, **extra)
    assert result.exit_code == 0, result.output
    for value in (token, secret):
        fragments = {value[i : i + 3] for i in range(len(value) - 2)}
        assert not [f for f in fragments if f in result.output], (value, result.output)
    assert result.output.count("********") == 2


# --- profiles ---------------------------------------------------------------------------------


def test_profiles_set_from_stdin_then_list_masks_the_secret(run, env) -> None:
    result = run("profiles", "set", "dev", "--account-sid", SID, "--secret-stdin", input=TOKEN)
    assert result.exit_code == 0, result.output
    assert 'saved profile "dev" (active)' in result.stderr
    assert stored(env)["profiles"]["dev"] == {"account_sid": SID, "auth_token": TOKEN}
    path = Path(env["TRCTL_CONFIG_DIR"]) / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    listing = run("profiles", "list")
    assert listing.exit_code == 0
    assert TOKEN not in listing.output and "auth token ********" in listing.stdout
    assert listing.stdout.splitlines()[1].startswith("*")


def test_profiles_set_with_api_key_from_env(run, env) -> None:
    extra = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": SECRET}
    result = run("profiles", "set", "ci", "--from-env", "--api-url", "http://127.0.0.1:9", **extra)
    assert result.exit_code == 0, result.output
    assert stored(env)["profiles"]["ci"] == {
        "account_sid": SID,
        "api_key": KEY,
        "api_secret": SECRET,
        "api_url": "http://127.0.0.1:9",
    }
    rows = json.loads(run("profiles", "list", "--json").stdout)
    assert rows[0]["api_secret"] == "********" and rows[0]["active"] is True
    assert SECRET not in json.dumps(rows)


def test_profiles_set_prompts_with_hidden_input_on_a_terminal(run, env) -> None:
    result = run("profiles", "set", "dev", "--account-sid", SID, input=f"{TOKEN}\n", tty=True)
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output  # hidden input is not echoed
    assert stored(env)["profiles"]["dev"]["auth_token"] == TOKEN


def test_profiles_set_without_a_secret_and_no_terminal_fails_cleanly(run, env) -> None:
    result = run("profiles", "set", "dev", "--account-sid", SID)
    assert result.exit_code == 2
    assert "--secret-stdin" in result.stderr and result.stderr.count("\n") == 1
    assert not (Path(env["TRCTL_CONFIG_DIR"]) / "config.json").exists()


def test_updating_a_profile_keeps_its_secret_unless_the_account_changes(run, env) -> None:
    run("profiles", "set", "dev", "--account-sid", SID, "--secret-stdin", input=TOKEN)
    result = run("profiles", "set", "dev", "--workspace", "Quickstart")
    assert result.exit_code == 0, result.output
    assert stored(env)["profiles"]["dev"]["auth_token"] == TOKEN
    assert stored(env)["profiles"]["dev"]["workspace"] == "Quickstart"
    assert run("profiles", "set", "dev", "--workspace", "").exit_code == 0
    assert "workspace" not in stored(env)["profiles"]["dev"]
    moved = run("profiles", "set", "dev", "--account-sid", SID2)
    assert moved.exit_code == 2  # a token belongs to one account: a new one is needed
    assert stored(env)["profiles"]["dev"]["account_sid"] == SID


def test_secrets_are_never_accepted_as_arguments(run) -> None:
    for option in ("--auth-token", "--api-secret", "--secret", "--token"):
        result = run("profiles", "set", "dev", "--account-sid", SID, option, TOKEN)
        assert result.exit_code == 2
        assert TOKEN not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["--account-sid", "AC123"],
        ["--account-sid", SID, "--api-key", "SKnope"],
        ["--account-sid", SID, "--secret-stdin", "--from-env"],
    ],
)
def test_profiles_set_validates_input(run, env, args: list[str]) -> None:
    result = run("profiles", "set", "dev", *args, input=TOKEN)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert not (Path(env["TRCTL_CONFIG_DIR"]) / "config.json").exists()


def test_profiles_set_refuses_an_api_url_every_later_command_would_reject(run, env) -> None:
    result = run(
        "profiles",
        "set",
        "local",
        "--account-sid",
        SID,
        "--secret-stdin",
        "--api-url",
        "127.0.0.1:8080",
        input=TOKEN + "\n",
    )
    assert result.exit_code == 2
    assert "API URL must look like http://HOST[:PORT]" in result.stderr
    assert not (Path(env["TRCTL_CONFIG_DIR"]) / "config.json").exists()


def test_invalid_profile_name_and_empty_stdin(run) -> None:
    assert run("profiles", "set", "a/b", "--account-sid", SID).exit_code == 2
    empty = run("profiles", "set", "dev", "--account-sid", SID, "--secret-stdin", input="\n")
    assert empty.exit_code == 2 and "no auth token on standard input" in empty.stderr


def test_from_env_without_secrets_fails(run) -> None:
    result = run("profiles", "set", "dev", "--from-env", TWILIO_ACCOUNT_SID=SID)
    assert result.exit_code == 2 and "TWILIO_AUTH_TOKEN" in result.stderr


def test_profiles_use_and_remove(run, env) -> None:
    run("profiles", "set", "a", "--account-sid", SID, "--secret-stdin", input=TOKEN)
    run("profiles", "set", "b", "--account-sid", SID2, "--secret-stdin", input=TOKEN)
    assert stored(env)["active"] == "a"  # the first profile became active
    assert run("profiles", "use", "b").exit_code == 0
    assert read_profile_file({"TRCTL_CONFIG_DIR": env["TRCTL_CONFIG_DIR"]}).active == "b"
    shown = json.loads(run("config", "show", "--json").stdout)
    assert {r["setting"]: r["value"] for r in shown}["account_sid"] == SID2
    missing = run("profiles", "use", "zzz")
    assert missing.exit_code == 4 and "known: a, b" in missing.stderr
    assert run("profiles", "remove", "b").exit_code == 0
    assert stored(env)["active"] is None and list(stored(env)["profiles"]) == ["a"]
    assert run("profiles", "remove", "b").exit_code == 4


def test_profiles_list_includes_twilio_cli_profiles_read_only(run, env) -> None:
    cli_dir = Path(env["TWILIO_CONFIG_DIR"])
    cli_dir.mkdir()
    data = {"profiles": {"default": {"accountSid": SID, "apiKey": KEY, "apiSecret": SECRET}}}
    (cli_dir / "config.json").write_text(json.dumps({**data, "activeProject": "default"}))
    result = run("profiles", "list", "--json")
    rows = json.loads(result.stdout)
    assert rows[0]["name"] == "default" and rows[0]["source"].startswith("twilio-cli")
    assert rows[0]["active"] is True and SECRET not in result.output


def test_profiles_use_chooses_a_twilio_cli_profile_or_says_why_not(run, env) -> None:
    cli_dir = Path(env["TWILIO_CONFIG_DIR"])
    cli_dir.mkdir()
    profiles = {
        "work": {"accountSid": SID, "apiKey": KEY, "apiSecret": SECRET},
        "home": {"accountSid": SID2, "apiKey": KEY, "apiSecret": SECRET},
    }
    config = {"profiles": profiles, "activeProject": "work"}
    (cli_dir / "config.json").write_text(json.dumps(config))
    used = run("profiles", "use", "home")
    assert used.exit_code == 0, used.stderr
    assert used.stderr.startswith('active profile: "home", twilio-cli\'s (read from ')
    assert stored(env)["profiles"] == {}  # its secret is not copied into trctl's file
    settings = {row["setting"]: row for row in json.loads(run("config", "show", "--json").stdout)}
    assert settings["account_sid"]["value"] == SID2
    assert settings["account_sid"]["source"].startswith('twilio-cli profile "home"')
    rows = json.loads(run("profiles", "list", "--json").stdout)
    assert [row["name"] for row in rows if row["active"]] == ["home"]
    missing = run("profiles", "use", "nope")
    assert missing.exit_code == 4
    assert 'no trctl or twilio-cli profile named "nope"' in missing.stderr
    assert "twilio-cli's: work, home" in missing.stderr
    removed = run("profiles", "remove", "home")
    assert removed.exit_code == 2 and "is a twilio-cli profile" in removed.stderr


def test_readable_profile_file_warns_on_list_and_is_tightened_on_write(run, env) -> None:
    run("profiles", "set", "a", "--account-sid", SID, "--secret-stdin", input=TOKEN)
    path = Path(env["TRCTL_CONFIG_DIR"]) / "config.json"
    path.chmod(0o644)
    assert "warning:" in run("profiles", "list").stderr
    assert run("config", "show").exit_code == 3
    assert run("profiles", "use", "a").exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_debug_logging_ends_with_the_invocation(run, capsys) -> None:
    import logging

    assert run("--debug", "config", "show").exit_code == 0
    logging.getLogger("twilio.http_client").info("after the run")
    assert "after the run" not in capsys.readouterr().err
    assert not any(type(h).__name__ == "_RedactingHandler" for h in logging.getLogger().handlers)


def test_bare_group_prints_its_help_without_an_error_prefix(run) -> None:
    result = run("profiles")
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: trctl profiles") and "Error" not in result.stderr


class Interrupted(RetryingHttpClient):
    """A transport on which the user presses Ctrl-C while the request is on its way."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt


def test_ctrl_c_inside_a_command_is_exit_130_in_one_line(run) -> None:
    credentials = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}
    result = run(
        "--api-url", "http://127.0.0.1:9", "config", "check", transport=Interrupted, **credentials
    )
    assert result.exit_code == 130
    assert result.stderr == "Error: interrupted\n"


def test_ctrl_c_at_a_prompt_is_exit_130(run) -> None:
    # no input at all: click's prompt raises Abort, as on Ctrl-C / Ctrl-D
    result = run("profiles", "set", "dev", "--account-sid", SID, input="", tty=True)
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == "Error: aborted"
