"""Field results: import what came back from the phones, and settle the units whose
submissions of one day disagree (accept one, both or neither; every decision audited)."""

from __future__ import annotations

import streamlit as st

from geo.services import kits
from pages.common import flash_and_rerun, guarded, opened, show_flash, signed_in_actor
from pages.tables import show_table
from pages.texts import plain, t

actor = signed_in_actor()
handle = opened().handle
st.title(t("review_title"))
show_flash()

upload = st.file_uploader(t("kits_import"), type=["csv", "zip", "gpkg"], key="kit_results")
if upload is not None and st.button(t("kits_import_button")):
    result = guarded(
        lambda: kits.import_submissions(handle, actor, data=upload.getvalue(), filename=upload.name)
    )
    if result is not None:
        st.success(
            t(
                "kits_imported",
                accepted=result["accepted"],
                held=result["held_for_review"],
                refused=result["refused"],
                known=result["already_imported"],
            )
        )
        for refusal in result["refusals"]:
            st.caption(
                t("kits_refusal", row=refusal["row"], reason=t(f"kit_refused_{refusal['reason']}"))
            )
        found = result["newcomers"]
        if any(found.values()):
            st.info(
                t(
                    "kits_newcomers",
                    moved_in=found["moved_in"],
                    refused=found["refused"],
                    held=found["held"],
                    counted=found["counted_only"],
                    known=found["already_imported"],
                )
            )
        for refusal in result["newcomer_refusals"]:
            st.caption(
                t(
                    "kits_newcomer_refusal",
                    row=refusal["row"],
                    submission=refusal["submission"],
                    number=refusal["newcomer"],
                    reason=t(refusal["reason"], **refusal["params"]),
                )
            )

queue = guarded(lambda: kits.review_queue(handle, actor))
if queue is not None and queue.empty:
    st.info(t("review_none"))
elif queue is not None:
    for review_id, item in queue.groupby("review_id", sort=False):
        first = item.iloc[0]
        with st.container(border=True):
            st.markdown(
                t(
                    "review_item",
                    ref=first["ref"] or "",
                    address=first["address"],
                    room=first["room"] or "",
                    day=first["day"].isoformat(),
                    count=len(item),
                )
            )
            item = item.assign(proven=item["proven"].map(lambda p: "✓" if p else ""))
            show_table(
                item[
                    [
                        "team",
                        "submitter",
                        "visited_at",
                        "outcome",
                        "seen",
                        "confirmed",
                        "proven",
                        "note",
                    ]
                ],
                headings="review_col_",
                coded={"outcome": "outcome_"},
            )
            keep = st.radio(
                t("review_accept_one"),
                item["submission_id"].tolist(),
                format_func=lambda s, i=item: (  # radio options are Markdown: team inert
                    f"{plain(i.loc[i['submission_id'] == s, 'team'].iloc[0])} · "
                    f"{i.loc[i['submission_id'] == s, 'visited_at'].iloc[0]:%H:%M} · "
                    f"{t('outcome_' + i.loc[i['submission_id'] == s, 'outcome'].iloc[0])}"
                ),
                key=f"keep_{review_id}",
                horizontal=True,
            )
            one, both, neither = st.columns(3)
            choice = None
            if one.button(t("review_accept_one"), key=f"one_{review_id}"):
                choice = "one"
            if both.button(t("review_accept_both"), key=f"both_{review_id}"):
                choice = "both"
            if neither.button(t("review_accept_neither"), key=f"neither_{review_id}"):
                choice = "neither"
            if choice is not None:
                done = guarded(
                    lambda c=choice, r=review_id, k=keep: kits.decide_review(
                        handle, actor, int(r), decision=c, keep=k
                    )
                )
                if done is not None:
                    flash_and_rerun(t("review_done", decision=t(f"review_accept_{choice}")))
