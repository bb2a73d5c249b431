"""The import form's pure helpers: safe temp-file names and the column table ↔ CsvMapping round trip."""
from __future__ import annotations

import pandas as pd
import pytest

from components import import_form
from domain.cbs import CsvColumn, CsvMapping


@pytest.mark.parametrize("name, expected", [
    ("buurten_2021_ermelo_GM0233.gpkg", "buurten_2021_ermelo_GM0233.gpkg"),
    ("../../etc/buurten 2021 (v2).gpkg", "buurten_2021__v2_.gpkg"),
    ("C:\\Users\\an\\wijken.zip", "wijken.zip"),
    (".verborgen.csv", "verborgen.csv"),
    ("", "upload"),
])
def test_safe_file_name(name, expected):
    assert import_form.safe_file_name(name) == expected


MAPPING = CsvMapping(key_column="wk_code", level="wijk", year_column="jaar", year=2022, years=(2020, 2022),
                     columns=(CsvColumn("lbm", "lbm_score", "Leefbaarometer: totaalscore", "Leefbaarometer: overall",
                                        "score", 1, True),
                              CsvColumn("afw", "lbm_afwijking", "Afwijking", "Deviation", "score", 1)))


def test_unedited_table_gives_back_the_detected_mapping():
    assert import_form.mapping_from_table(MAPPING, import_form.columns_table(MAPPING)) == MAPPING


def test_edits_are_taken_and_unticked_columns_dropped():
    table = import_form.columns_table(MAPPING)
    table.loc[0, ["label_nl", "unit", "direction"]] = ["Leefbaarheid", "punten", -1]
    table.loc[1, "include"] = False
    edited = import_form.mapping_from_table(MAPPING, table)
    assert [(c.column, c.label_nl, c.unit, c.direction, c.zero_is_missing) for c in edited.columns] == [
        ("lbm", "Leefbaarheid", "punten", -1, True)]
    assert (edited.key_column, edited.year) == ("wk_code", 2022)


def test_blank_labels_fall_back_and_odd_directions_become_neutral():
    table = import_form.columns_table(MAPPING)
    table.loc[0, ["label_nl", "label_en", "direction"]] = ["  ", None, 7]
    column = import_form.mapping_from_table(MAPPING, table).columns[0]
    assert (column.label_nl, column.label_en, column.direction) == (
        "Leefbaarometer: totaalscore", "Leefbaarometer: overall", 0)
    assert isinstance(import_form.columns_table(MAPPING), pd.DataFrame)
