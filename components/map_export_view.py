"""The exports page's map section: indicator, classification, sheet size, title and annotation, and the annotated
map as offline HTML, PNG and PDF. The files are built only when a button is clicked (deferred downloads), by
components/map_export.py and domain/static_map.py; this module picks, checks and draws."""
from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import streamlit as st

from components import deps, exports_view, map_export
from components.i18n import t, translate
from components.statistics_view import DEFAULT_INDICATORS
from domain import exports, static_map
from domain.classification import SCHEMES
from domain.errors import ClassificationError
from domain.models import IndicatorMeta, Municipality


def _preferred(metas: Sequence[IndicatorMeta], data: exports.ExportData) -> str:
    """The session's own projector indicator, else the statistics page's default, else the first."""
    keys = [m.key for m in metas]
    own = [s.settings.stats_indicator for s in data.sessions if s.settings.stats_indicator in keys]
    return next(iter(own), next((k for k in DEFAULT_INDICATORS if k in keys), keys[0]))


def _default_title(data: exports.ExportData, municipality: Municipality, lang: str) -> str:
    if len(data.sessions) == 1:
        return data.sessions[0].title
    return translate(lang, "exports.map.default_title_all", name=municipality.name)


def render_map_exports(data: exports.ExportData, geography: exports.Geography, records: Sequence[dict], stem: str,
                       municipality: Municipality) -> None:
    st.subheader(t("exports.map.title"), anchor=False)
    st.markdown(t("exports.map.help"))
    lang = exports_view.report_language()
    area = map_export.map_area(data, geography)
    metas = map_export.mappable_indicators(geography.metas, geography.numbers, list(area["code"]))
    if not metas:
        st.info(t("exports.map.no_indicators"))
        return
    by_key = {m.key: m for m in metas}
    first, second, third = st.columns([2.2, 1.6, 1])
    key = first.selectbox(t("exports.map.indicator"), list(by_key), index=list(by_key).index(_preferred(metas, data)),
                          key="exports.map.indicator", format_func=lambda k: by_key[k].label(lang))
    scheme = second.selectbox(t("exports.map.scheme"), list(SCHEMES), key="exports.map.scheme",
                              format_func=lambda s: SCHEMES[s][lang])
    k = third.select_slider(t("exports.map.classes"), options=[3, 4, 5, 6, 7], value=5, key="exports.map.classes",
                            disabled=scheme == "deviation")
    # one title per scope, so switching sessions offers that session's own title again
    title = st.text_input(t("exports.map.heading"), value=_default_title(data, municipality, lang),
                          max_chars=static_map.MAX_TITLE, key=f"exports.map.heading.{stem}")
    # no max_chars: Streamlit would cut a pasted text silently; a too long one gets a message saying by how much
    annotation = st.text_area(t("exports.map.annotation"), key="exports.map.annotation",
                              placeholder=t("exports.map.annotation_placeholder", max=static_map.MAX_ANNOTATION),
                              help=t("exports.map.annotation_help", max=static_map.MAX_ANNOTATION))
    size = st.selectbox(t("exports.map.size"), list(static_map.SHEET_SIZES), key="exports.map.size",
                        format_func=lambda s: t(f"exports.map.size.{s}"))
    try:
        title, annotation = static_map.check_map_texts(title, annotation)
        choice = map_export.MapChoice(by_key[key], scheme, int(k), title or _default_title(data, municipality, lang),
                                      annotation)
        tr = partial(translate, lang)
        export = map_export.build_map_export(data, geography, records, choice, municipality=municipality,
                                             made_at=exports_view.local_moment(deps.now()), tr=tr, lang=lang)
    except (static_map.MapTextRejected, ClassificationError) as err:
        st.error(err.user_message)
        return

    name = f"{stem}-kaart-{key}"
    files = [
        ("map_html", lambda: map_export.build_map_html(export, tr).encode("utf-8"), f"{name}.html", "text/html"),
        ("map_png", lambda: static_map.build_png(map_export.build_sheet(export, tr), size), f"{name}.png",
         "image/png"),
        ("map_pdf", lambda: static_map.build_pdf(map_export.build_sheet(export, tr), size), f"{name}.pdf",
         "application/pdf"),
    ]
    for column, (label, build, file_name, mime) in zip(st.columns(3), files):
        column.download_button(t(f"exports.map.{label.removeprefix('map_')}"), build, file_name=file_name, mime=mime,
                               key=f"exports.download.{label}", icon=":material/map:", on_click="ignore")
    st.caption(t("exports.map.files_help"))
