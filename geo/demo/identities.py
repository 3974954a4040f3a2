"""Synthetic identities: names, phones, GB 11643 ID numbers and visit times."""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.demo.parameters import GIVEN, SURNAMES
from geo.identifiers import id_check_digit

# --------------------------------------------------------------------------- identities


def visit_times(
    rng: np.random.Generator, as_of: date, days_ago: npt.NDArray[np.int64]
) -> pd.Series:
    base = pd.Timestamp(as_of) - pd.to_timedelta(days_ago, unit="D")
    minutes = rng.integers(8 * 60 + 30, 20 * 60, len(days_ago))
    return pd.Series(base + pd.to_timedelta(minutes, unit="m"))


def person_names(rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    surname = rng.choice(SURNAMES, n)
    given = np.char.add(
        rng.choice(GIVEN, n), np.where(rng.random(n) < 0.7, rng.choice(GIVEN, n), "")
    )
    return np.char.add(surname, given)


def phone_numbers(rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    prefix = rng.choice(np.array(["13", "15", "17", "18", "19"]), n)
    return np.char.add(prefix, np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9))


def id_numbers(
    rng: np.random.Generator,
    origin: npt.NDArray[np.str_],
    birth: npt.NDArray[np.object_],
    sex: npt.NDArray[np.str_],
    taken: set[str],
) -> list[str]:
    """Synthetic GB 11643 numbers: region, birth date, sequence (odd for men), check digit.

    Numbers already in ``taken`` are avoided; the new ones are added to it.
    """
    born = np.array([b.strftime("%Y%m%d") for b in birth])
    male = sex == "M"
    out: list[str] = [""] * len(origin)
    todo = np.arange(len(origin))
    while len(todo):
        seq = rng.integers(0, 500, len(todo)) * 2 + male[todo]
        retry = []
        for i, s in zip(todo, seq, strict=True):
            first17 = f"{origin[i]}{born[i]}{s:03d}"
            if first17 in taken:
                retry.append(i)
                continue
            taken.add(first17)
            out[i] = first17 + id_check_digit(first17)
        todo = np.asarray(retry, dtype=np.int64)
    return out
