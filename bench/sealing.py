"""Time sealing and unsealing identifiers: 100,000 ID numbers and phones by default.

Prints {"bench": "sealing", "values", "seal_s", "unseal_s", "digest_s"}: the median over
--repeat runs of sealing every value (``Keys.seal_many``, as an upload does), unsealing every
token (``Keys.unseal``, as unmasking does) and their matching HMACs (``Keys.digest``).

    python bench/sealing.py [--values 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from geo.privacy import Keys


def median_time(call: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    keys = Keys.generate()
    half = args.values // 2
    values = [f"330106{19490000 + i:08d}{i % 10}"[:18] for i in range(half)]
    values += [f"138{i:08d}" for i in range(args.values - half)]
    tokens = keys.seal_many(values)
    case = {
        "bench": "sealing",
        "values": args.values,
        "seal_s": round(median_time(lambda: keys.seal_many(values), args.repeat), 4),
        "unseal_s": round(median_time(lambda: [keys.unseal(t) for t in tokens], args.repeat), 4),
        "digest_s": round(median_time(lambda: [keys.digest(v) for v in values], args.repeat), 4),
    }
    print(json.dumps(case))


if __name__ == "__main__":
    main()
