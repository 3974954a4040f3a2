"""What the sweeps, overview and property pages draw of the field round trip: a team's kit
to download, proven visits beside all visits, and a unit's door plate."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import streamlit as st

from geo.services import kits
from geo.services.access import Actor
from pages.common import guarded, read
from pages.tables import show_table
from pages.texts import option_text, t


def draw_kit_download(handle: Any, actor: Actor, sweep_id: int, teams: list[str]) -> None:
    """Pick a team and a kit format; the kit (audited) downloads as one file."""
    st.subheader(t("kits_title"))
    if not teams:
        return
    pick, fmt = st.columns(2)
    team = pick.selectbox(t("kits_team"), teams, format_func=option_text, key="kit_team")
    kind = fmt.selectbox(
        t("kits_kind"),
        kits.KIT_FORMATS,
        format_func=lambda f: t(f"kits_format_{f}"),
        key="kit_format",
    )
    if st.button(t("kits_make"), key="kit_make"):
        kit = guarded(lambda: kits.issue_kit(handle, actor, sweep_id, team=team, fmt=kind))
        if kit is None:
            return
        if len(kit.files) == 1:
            ((name, data),) = kit.files.items()
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for file_name, content in kit.files.items():
                    archive.writestr(file_name, content)
            name, data = f"{kit.stamp.form_id}.zip", buffer.getvalue()
        st.download_button(
            t("kits_download", units=kit.units, day=kit.stamp.expires_on.isoformat()),
            data=data,
            file_name=name,
            key="kit_download",
        )


def draw_proven_progress(handle: Any, actor: Actor, sweep_id: int) -> None:
    """Per team: units visited and units with a proven visit."""
    table = guarded(lambda: kits.proven_progress(handle, actor, sweep_id))
    if table is None:
        return
    st.subheader(t("proven_title"))
    show_table(table[["team", "assigned", "visited", "proven"]], headings="proven_col_")


def draw_proven_coverage(*, level: str) -> None:
    """Coverage and the monthly inspection rate per area, all visits beside proven ones
    (read once per data version, as the rest of the overview)."""
    table = read("proven_coverage", level=level)
    if table is None:
        return
    with st.expander(t("proven_title")):
        columns = ["coverage", "proven_coverage", "inspection_rate", "proven_inspection_rate"]
        show_table(table[["name", *columns]], headings="proven_col_", percent=columns)


def draw_plate_reissue(handle: Any, actor: Actor, ref: str) -> None:
    """Revoke a unit's door plate and print its new one (for staff who write records)."""
    if not kits.may_review(actor):
        return
    st.subheader(t("plates_title"))
    if st.button(t("plates_revoke"), key="plate_reissue"):
        sheet = guarded(lambda: kits.revoke_plate(handle, actor, ref, reason="reassigned"))
        if sheet is not None:
            st.download_button(
                t("plates_download", count=1),
                data=sheet,
                file_name=f"plate-{ref}.html",
                mime="text/html",
                key="plate_download",
            )
