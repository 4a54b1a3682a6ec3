"""Command line: wait until a URL answers 200, for the local stack's start-up."""

import argparse
import sys
import time

import httpx


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.wait_http")
    parser.add_argument("url")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(args.url, timeout=2).status_code == 200:
                return 0
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    sys.stderr.write(f"{args.url} did not answer within {args.timeout} s\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
