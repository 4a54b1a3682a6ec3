"""Command line: mint a development access token for the local stack."""

import argparse
import sys

from shared.auth import mint_token
from shared.settings import AuthSettings


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.tokens",
        description="Mint a development token, signed with the development key.",
    )
    parser.add_argument("--sub", default="dev-user", help="the token's subject")
    parser.add_argument(
        "--scope", action="append", default=[], help="a scope such as walks:write (repeatable)"
    )
    parser.add_argument(
        "--municipality",
        action="append",
        default=[],
        help="a municipality code such as 0683 (repeatable)",
    )
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")
    args = parser.parse_args()
    scopes = [s for group in args.scope for s in group.split()]
    sys.stdout.write(
        mint_token(AuthSettings(), args.sub, scopes, args.municipality or ["0683"], args.ttl) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
