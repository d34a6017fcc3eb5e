"""`python -m bench build URL [--seed N]`: build the data set (the full run is `python -m bench.run`)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.dataset import Manifest, Sizes, build


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("command", choices=["build"])
    parser.add_argument("database_url")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reviews", type=int, default=Sizes.reviews)
    parser.add_argument("--events", type=int, default=Sizes.events)
    parser.add_argument("--users", type=int, default=Sizes.users)
    parser.add_argument("--documents", type=int, default=Sizes.documents)
    parser.add_argument("--manifest", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    manifest: Manifest = build(args.database_url, args.seed, Sizes(reviews=args.reviews, events=args.events, users=args.users,
                                                                      documents=args.documents))
    manifest.save(args.manifest)
    print(f"Built in {time.perf_counter() - started:.0f} s: {manifest.counts}")


if __name__ == "__main__":
    main()
