"""Widgets of the data-import page: uploads saved to temp files, column mapping, progress and the summary.

The page wires these to storage.importer; everything here only draws or reshapes choices.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import streamlit as st

from components import deps, state
from components.i18n import t
from domain.cbs import ColumnMapping, CsvColumn, CsvMapping, GemeenteInfo
from domain.errors import ImportRejected
from domain.models import ImportSummary

GEO_TYPES = ["gpkg", "geojson", "json", "topojson", "zip"]
CSV_TYPES = ["csv", "txt"]
NONE = "—"
MAPPING_ROLES = ("code", "name", "wijk_code", "wijk_name", "gemeente_code", "gemeente_name", "water")
EDITOR_COLUMNS = ["include", "column", "key", "label_nl", "label_en", "unit", "direction"]


def safe_file_name(name: str) -> str:
    """A browser-supplied name made safe for a temp folder; the year in it is kept for the importer.

    Examples:
        >>> safe_file_name("../../etc/buurten 2021 (v2).gpkg")
        'buurten_2021__v2_.gpkg'
    """
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    return cleaned[-120:] or "upload"


def render_upload(kind: str, label: str, types: Sequence[str]) -> tuple[str, Path] | None:
    """File uploader whose file is written to a private temp folder once; returns (upload id, path)."""
    uploaded = st.file_uploader(label, type=list(types), key=f"import.{kind}.file")
    saved = state.import_upload(kind)
    if uploaded is None or (saved and saved[0] != uploaded.file_id):
        if saved:
            shutil.rmtree(Path(saved[1]).parent, ignore_errors=True)
            state.set_import_upload(kind, None)
        if uploaded is None:
            return None
    saved = state.import_upload(kind)
    if saved is None or not Path(saved[1]).exists():
        folder = Path(tempfile.mkdtemp(prefix="buurtbeeld-import-"))
        path = folder / safe_file_name(uploaded.name)
        path.write_bytes(uploaded.getbuffer())
        saved = (uploaded.file_id, str(path))
        state.set_import_upload(kind, saved)
        state.set_import_summary(kind, None)
    return saved[0], Path(saved[1])


def render_layer_choice(layers: Sequence[str], default: str) -> str:
    if len(layers) < 2:
        return default
    return st.selectbox(t("import.kwb.layer"), list(layers), index=list(layers).index(default),
                        key="import.kwb.layer")


def render_mapping(detected: ColumnMapping, columns: Sequence[str], layer: str) -> ColumnMapping:
    """Column roles: open and required when the code or name column was not recognised."""
    options = [NONE, *columns]
    with st.expander(t("import.kwb.mapping"), expanded=not detected.is_complete):
        if not detected.is_complete:
            st.warning(t("import.kwb.mapping_needed"))
        chosen = {}
        for role in MAPPING_ROLES:
            current = getattr(detected, role)
            value = st.selectbox(t(f"import.kwb.role.{role}"), options,
                                 index=options.index(current) if current in options else 0,
                                 key=f"import.kwb.role.{layer}.{role}")
            chosen[role] = None if value == NONE else value
    return replace(detected, **chosen)


@dataclass(frozen=True)
class KwbChoice:
    gemeente: str | None
    name: str | None
    hide_water: bool
    submitted: bool


def render_kwb_choices(gemeenten: Sequence[GemeenteInfo], has_water: bool) -> KwbChoice:
    if not gemeenten:
        st.warning(t("import.kwb.no_gemeenten"))
        return KwbChoice(None, None, False, False)
    by_code = {g.code: g for g in gemeenten}
    code = st.selectbox(
        t("import.kwb.gemeente"), list(by_code), index=0 if len(by_code) == 1 else None,
        placeholder=t("import.kwb.gemeente_placeholder"), key="import.kwb.gemeente",
        format_func=lambda c: t("import.kwb.gemeente_option", label=by_code[c].label, count=by_code[c].buurten),
        help=t("import.kwb.gemeente_help"))
    name = None
    if code and by_code[code].name is None:
        name = st.text_input(t("import.kwb.name"), key="import.kwb.name", help=t("import.kwb.name_help"),
                             max_chars=200) or None
    hide_water = st.checkbox(t("import.kwb.hide_water"), key="import.kwb.hide_water", disabled=not has_water,
                             help=t("import.kwb.hide_water_help" if has_water else "import.kwb.no_water_column"))
    submitted = st.button(t("import.kwb.submit"), type="primary", disabled=code is None, key="import.kwb.submit")
    return KwbChoice(code, name, hide_water, submitted)


@contextmanager
def progress_status(label: str) -> Iterator[Callable[[float, str], None]]:
    """A status box with a progress bar, fed by the importer's `progress(fraction, message_nl)`."""
    status = st.status(label, expanded=True)
    with status:
        bar = st.progress(0.0)
    try:
        yield lambda fraction, message: bar.progress(fraction, text=message)
    except ImportRejected:
        status.update(label=t("import.failed"), state="error", expanded=False)
        raise
    status.update(label=t("import.done"), state="complete", expanded=False)


def render_summary(summary: ImportSummary | None) -> None:
    if summary is None:
        return
    st.success(t("import.summary.done", name=summary.municipality_name, code=summary.municipality_code))
    figures = [("buurten", summary.buurten), ("wijken", summary.wijken), ("indicators", len(summary.indicators)),
               ("values", summary.values), ("missing", summary.missing_values),
               ("repaired", summary.repaired_geometries), ("water", summary.water_buurten),
               ("skipped", len(summary.skipped))]
    for row in (figures[:4], figures[4:]):
        for column, (name, value) in zip(st.columns(4), row):
            column.metric(t(f"import.summary.{name}"), value, help=t(f"import.summary.{name}_help"))
    for note in summary.notes:
        st.text(f"• {note}")
    if summary.skipped:
        st.markdown(f"**{t('import.summary.skipped_title')}**")
        st.dataframe(pd.DataFrame(summary.skipped, columns=[t("import.summary.what"), t("import.summary.why")]),
                     hide_index=True, width="stretch")
    if summary.indicators:
        with st.expander(t("import.summary.indicator_list")):
            st.text(", ".join(summary.indicators))


def render_csv_choices(columns: Sequence[str], mapping: CsvMapping) -> tuple[str, int | None]:
    """Key column and year; both start at what was detected."""
    left, right = st.columns(2)
    key_column = left.selectbox(t("import.csv.key_column"), list(columns),
                                index=list(columns).index(mapping.key_column), key="import.csv.key_column",
                                help=t("import.csv.key_column_help"))
    year = None
    if mapping.years:
        years = list(mapping.years)
        year = right.selectbox(t("import.csv.year"), years, index=years.index(mapping.year) if mapping.year in years
                               else len(years) - 1, key="import.csv.year", help=t("import.csv.year_help"))
    return key_column, year


def columns_table(mapping: CsvMapping) -> pd.DataFrame:
    return pd.DataFrame([{"include": True, "column": c.column, "key": c.key, "label_nl": c.label_nl,
                          "label_en": c.label_en, "unit": c.unit, "direction": c.direction}
                         for c in mapping.columns], columns=EDITOR_COLUMNS)


def mapping_from_table(mapping: CsvMapping, table: pd.DataFrame) -> CsvMapping:
    """The detected mapping with the person's edits: unticked columns dropped, labels/unit/direction taken."""
    by_column = {c.column: c for c in mapping.columns}
    chosen: list[CsvColumn] = []
    for row in table.itertuples(index=False):
        if not bool(row.include) or row.column not in by_column:
            continue
        base = by_column[row.column]
        direction = int(row.direction) if pd.notna(row.direction) and int(row.direction) in (-1, 0, 1) else 0
        chosen.append(replace(base, label_nl=_cell_text(row.label_nl) or base.label_nl,
                              label_en=_cell_text(row.label_en) or base.label_en,
                              unit=_cell_text(row.unit), direction=direction))
    return replace(mapping, columns=tuple(chosen))


def _cell_text(value) -> str:
    # A cell the person cleared comes back as None or NaN, which must not become the label "nan".
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def render_csv_columns(mapping: CsvMapping, token: tuple) -> CsvMapping:
    """Editable table of the columns to import; `token` (file and choices) gives each table its own edits."""
    editor_key = "import.csv.columns." + hashlib.sha1(repr(token).encode()).hexdigest()[:12]
    directions = {1: t("import.csv.direction_up"), 0: t("import.csv.direction_neutral"),
                  -1: t("import.csv.direction_down")}
    edited = st.data_editor(
        columns_table(mapping), key=editor_key, hide_index=True, num_rows="fixed", width="stretch",
        disabled=["column", "key"],
        column_config={
            "include": st.column_config.CheckboxColumn(t("import.csv.col_include")),
            "column": st.column_config.TextColumn(t("import.csv.col_column")),
            "key": st.column_config.TextColumn(t("import.csv.col_key")),
            "label_nl": st.column_config.TextColumn(t("import.csv.col_label_nl"), max_chars=200),
            "label_en": st.column_config.TextColumn(t("import.csv.col_label_en"), max_chars=200),
            "unit": st.column_config.TextColumn(t("import.csv.col_unit"), max_chars=40),
            "direction": st.column_config.SelectboxColumn(t("import.csv.col_direction"), options=[1, 0, -1],
                                                          format_func=directions.get, required=True),
        })
    return mapping_from_table(mapping, edited)


def render_loaded_municipalities() -> None:
    """Every loaded gemeente with its size; one of them is active and shown on all pages."""
    from storage import areas

    with deps.reading() as session:
        loaded = [(m, areas.count_areas(session, m.id)) for m in areas.list_municipalities(session)]
    if not loaded:
        st.info(t("import.loaded.none"))
        return
    st.caption(t("import.loaded.intro"))
    for municipality, counts in loaded:
        left, right = st.columns([4, 1], vertical_alignment="center")
        label = f"**{municipality.name}** ({municipality.code})" + (" · demo" if municipality.is_demo else "")
        left.markdown(label + "  \n" + t("import.loaded.counts", buurten=counts.get("buurt", 0),
                                          wijken=counts.get("wijk", 0), source=municipality.source))
        if municipality.is_active:
            right.success(t("import.loaded.active"), icon=":material/check:")
        elif right.button(t("import.loaded.activate"), key=f"import.loaded.activate.{municipality.id}"):
            with deps.writing() as session:
                areas.set_active_municipality(session, municipality.id)
            st.cache_data.clear()
            st.rerun()
