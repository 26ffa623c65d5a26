"""`python -m trctl.emulator`: run the emulator with the same flags as `trctl emulator start`."""

from __future__ import annotations

import argparse
import os
import sys

from trctl.emulator import runner
from trctl.emulator.core.owner import StoreBusy
from trctl.emulator.requestlog import FORMATS, printer
from trctl.vocab.limits import parse_overrides


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m trctl.emulator",
        description="Run the offline TaskRouter emulator. The auth token may also come from "
        f"{runner.TOKEN_ENV} (safer than --auth-token, which other users can see in ps).",
    )
    parser.add_argument("--host", default=runner.DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=runner.DEFAULT_PORT, help="0 picks a free port")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", metavar="FILE", help="SQLite file (default: the user data dir)")
    where.add_argument("--memory", action="store_true", help="keep nothing after exit")
    parser.add_argument("--account-sid", metavar="AC...")
    parser.add_argument("--auth-token", metavar="TOKEN")
    parser.add_argument(
        "--quiet", action="store_true", help="no request log (one line per request on stderr)"
    )
    parser.add_argument("--log-format", choices=FORMATS, default="text", help="text or json lines")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument(
        "--keep-finished", action="store_true", help="never delete finished tasks or events"
    )
    kept.add_argument(
        "--retention", type=float, metavar="SECONDS", help="one retention for everything"
    )
    parser.add_argument(
        "--limits",
        metavar="NAME=N,...",
        help="raise TaskRouter's per-workspace limits for load tests (e.g. workers=200000), "
        "or 'none'",
    )
    parser.add_argument(
        "--clock",
        choices=runner.CLOCKS,
        default="real",
        help="manual: time stands still until moved (trctl emulator clock, POST /trctl/clock)",
    )
    parser.add_argument(
        "--faults", metavar="FILE", help="fault rules (TOML or JSON) in force from the start"
    )
    args = parser.parse_args(argv)
    try:
        limits = parse_overrides(args.limits) if args.limits is not None else None
    except ValueError as exc:
        parser.error(f"--limits: {exc}")
    if args.retention is not None and not args.retention > 0:
        parser.error("--retention must be a positive number of seconds")
    if args.account_sid and not (args.account_sid.startswith("AC") and len(args.account_sid) == 34):
        parser.error("--account-sid must be AC followed by 32 hex digits")
    db = ":memory:" if args.memory else (args.db or str(runner.default_db_path()))
    rules = None
    if args.faults:
        from trctl.emulator.faults import FaultError, load_rules

        try:
            rules = load_rules(args.faults)
        except FaultError as exc:
            parser.error(f"--faults {exc}")
    try:
        runner.serve(
            db_path=db,
            host=args.host,
            port=args.port,
            account_sid=args.account_sid,
            auth_token=args.auth_token or os.environ.get(runner.TOKEN_ENV) or None,
            keep_finished=args.keep_finished,
            retention=args.retention,
            limits=limits,
            clock=args.clock,
            faults=rules,
            out=lambda text: print(text, flush=True),
            note=lambda text: print(text, file=sys.stderr, flush=True),
            log=None if args.quiet else printer(_to_stderr, args.log_format),
        )
    except StoreBusy as exc:
        print(f"Error: cannot start the emulator: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Error: cannot start the emulator: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
