"""Registration rates per community: how much of what the field sees is on record.

*Residence registration rate (居住登记率)*: of the residents the sweep teams saw in the
units they completed, the share that is registered there: per unit the smaller of residents
seen and residents registered on the visit day counts as registered-and-seen (someone seen
beyond the registered count is not registered), summed per community.

*Rental registration rate (出租房屋登记率)*: of the rental units teams found on the ground in
field-to-record back-checks (倒查), the share the registry has.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def residence_rate(visits: pd.DataFrame) -> pd.DataFrame:
    """Per community from one row per visited unit (community, residents_seen, registered):
    residents_seen, registered_seen and residence_rate (NaN when nobody was seen).

    >>> v = pd.DataFrame({"community": ["甲", "甲", "乙"], "residents_seen": [4, 2, 0],
    ...                   "registered": [3, 5, 1]})
    >>> residence_rate(v).values.tolist()
    [['乙', 0, 0, nan], ['甲', 6, 5, 0.8333333333333334]]
    """
    seen = visits["residents_seen"].astype(int)
    counted = visits.assign(
        residents_seen=seen, registered_seen=np.minimum(seen, visits["registered"].astype(int))
    )
    out = (
        counted.groupby("community", sort=True)[["residents_seen", "registered_seen"]]
        .sum()
        .reset_index()
    )
    total = out["residents_seen"]
    out["residence_rate"] = (out["registered_seen"] / total).where(total > 0)
    return out


def rental_rate(finds: pd.DataFrame) -> pd.DataFrame:
    """Per community from the units found in the field (community, registered):
    units_found, units_registered and rental_rate.

    >>> f = pd.DataFrame({"community": ["甲", "甲", "甲", "甲"],
    ...                   "registered": [True, True, True, False]})
    >>> rental_rate(f).values.tolist()
    [['甲', 4, 3, 0.75]]
    """
    out = (
        finds.assign(registered=finds["registered"].astype(bool))
        .groupby("community", sort=True)
        .agg(units_found=("registered", "size"), units_registered=("registered", "sum"))
        .reset_index()
    )
    out["rental_rate"] = out["units_registered"] / out["units_found"]
    return out.astype({"units_found": int, "units_registered": int})


def registration_rates(visits: pd.DataFrame, finds: pd.DataFrame) -> pd.DataFrame:
    """Both rates side by side, one row per community that has either."""
    return residence_rate(visits).merge(rental_rate(finds), on="community", how="outer")
