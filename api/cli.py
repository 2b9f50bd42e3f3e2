"""The `fairgig` command: serve the API, run workers, and the operators' tools.

Every command reads the same settings as the server (FAIRGIG_DATA_DIR or FAIRGIG_DATABASE_URL),
so it works on the data the running server uses, while it runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from api.settings import get_settings
from domain.errors import DomainError

Command = Callable[[argparse.Namespace], int]


def serve(args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        "api.app:app_from_env",
        address=args.host,
        port=args.port,
        workers=args.workers,
        interface=Interfaces.ASGI,
        factory=True,
        log_access=args.access_log,
    ).serve()
    return 0


def users_grant(args: argparse.Namespace) -> int:
    from api.bootstrap import bootstrap

    container = bootstrap(get_settings())
    try:
        account = container.accounts.find_by_email(args.email)
        container.accounts.grant_roles(account.id, set(args.roles), granted_by="cli")
        print(f"{account.email}: {', '.join(sorted(container.accounts.get(account.id).roles))}")
    finally:
        container.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="fairgig", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("serve", help="serve the HTTP API")
    p.add_argument("--host", default=settings.server.host)
    p.add_argument("--port", type=int, default=settings.server.port)
    p.add_argument("--workers", type=int, default=settings.server.workers)
    p.add_argument("--access-log", action="store_true")
    p.set_defaults(run=serve)

    users = commands.add_parser("users", help="manage accounts").add_subparsers(dest="action", required=True)
    p = users.add_parser("grant", help="grant roles: fairgig users grant EMAIL ROLE [ROLE...]")
    p.add_argument("email")
    p.add_argument("roles", nargs="+", choices=["finance", "auditor", "admin", "employer", "student"])
    p.set_defaults(run=users_grant)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except DomainError as e:
        print(f"fairgig: {e.code}: {e.detail}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
