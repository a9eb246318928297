"""Standalone reference server: ``python -m rocketchat_contract.reference --profile 8.8 --port 3000``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from rocketchat_contract.reference import hostile
from rocketchat_contract.reference.faults import load_faults
from rocketchat_contract.reference.model import Knobs, Operation
from rocketchat_contract.reference.profiles import default_profile, profiles, variations
from rocketchat_contract.reference.server import ReferenceServer


def _operation(text: str) -> Operation:
    try:
        return Operation.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m rocketchat_contract.reference",
        description="Serve a reference Rocket.Chat of one release era on 127.0.0.1.",
    )
    cli.add_argument("--profile", choices=list(profiles()), default=default_profile())
    cli.add_argument("--port", type=int, default=3000, help="0 picks a free port (default 3000)")
    cli.add_argument("--delay-scale", type=float, default=0.0, help="1 = Restivus's real 0.5-1 s delay")
    cli.add_argument("--operation", type=_operation, help="key:step[:completed/total[/error]]")
    cli.add_argument("--no-rate-limit", action="store_true")
    cli.add_argument("--fault", action="append", default=[], choices=sorted(load_faults()), metavar="NAME")
    cli.add_argument("--variation", action="append", default=[], choices=sorted(variations()), metavar="NAME")
    cli.add_argument(
        "--hostile-drip",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="send every answer of the endpoint one byte every SECONDS (the part --hostile-drip-part names)",
    )
    cli.add_argument("--hostile-drip-part", choices=hostile.DRIP_PARTS, default="body")
    cli.add_argument(
        "--hostile-body-size",
        type=int,
        default=Knobs.hostile_body_size,
        metavar="BYTES",
        help="size of the 200 the fault hostile-oversized-body streams (default 500 MiB)",
    )
    cli.add_argument(
        "--revoke",
        action="append",
        default=[],
        metavar="ROLE:PERMISSION",
        help="take a permission away from a role, as an operator can (admin:run-import)",
    )
    cli.add_argument(
        "--server-version",
        metavar="X.Y.Z",
        help="report this release on /api/info instead of the profile's (its behaviour stays the profile's)",
    )
    return cli


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.delay_scale < 0:
        parser().error("--delay-scale must be >= 0")
    if args.hostile_drip < 0 or args.hostile_body_size < 0:
        parser().error("--hostile-drip and --hostile-body-size must be >= 0")
    knobs = Knobs(
        delay_scale=args.delay_scale,
        rate_limit=not args.no_rate_limit,
        operation=args.operation,
        faults=frozenset(args.fault),
        variations=frozenset(args.variation),
        version=args.server_version,
        hostile_body_size=args.hostile_body_size,
        hostile_drip=args.hostile_drip,
        hostile_drip_part=args.hostile_drip_part,
        revoked=frozenset(args.revoke),
    )
    try:
        server = ReferenceServer(args.profile, knobs, port=args.port).start()
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print(f"Reference Rocket.Chat {server.version} (profile {server.profile}) at {server.url}", flush=True)
    for role, account in server.accounts.items():
        print(
            f"  {role}: user_id={account.user_id} username={account.username} "
            f"password={account.password} token={account.token}"
        )
    print("Ctrl-C stops it.", flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
