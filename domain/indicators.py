"""The indicator catalogue: CBS kerncijfers and Leefbaarometer scores we know by name.

Each entry lists the column names it goes by in the different CBS conventions (older shapefiles
`AANT_INW`, PDOK/WFS `aantal_inwoners`, third-party CSVs), so importers can recognise them.
Columns not in the catalogue are still imported, as neutral indicators labelled by their name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from domain.models import IndicatorMeta

CBS = "CBS Kerncijfers wijken en buurten"
LBM = "Leefbaarometer (BZK)"


@dataclass(frozen=True)
class CatalogueEntry:
    meta: IndicatorMeta
    aliases: tuple[str, ...]
    # A 0 is impossible for these (no buurt has WOZ 0); third-party files use 0 for "unknown".
    zero_is_missing: bool = False


def _entry(key, nl, en, unit, direction, source, aliases, *, dimension=None, weighting="inhabitants",
           decimals=1, zero_is_missing=False) -> CatalogueEntry:
    meta = IndicatorMeta(key=key, label_nl=nl, label_en=en, unit=unit, direction=direction,
                         source=source, dimension=dimension, weighting=weighting, decimals=decimals)
    return CatalogueEntry(meta, tuple(a.lower() for a in (key, *aliases)), zero_is_missing)


CATALOGUE: tuple[CatalogueEntry, ...] = (
    _entry("aantal_inwoners", "Aantal inwoners", "Inhabitants", "inwoners", 0, CBS,
           ("AANT_INW", "inwoners"), weighting="none", decimals=0),
    _entry("mannen", "Mannen", "Men", "personen", 0, CBS, ("AANT_MAN",), weighting="none", decimals=0),
    _entry("vrouwen", "Vrouwen", "Women", "personen", 0, CBS, ("AANT_VROUW",), weighting="none", decimals=0),
    _entry("pct_0_15", "Inwoners 0–15 jaar", "Residents aged 0–15", "%", 0, CBS,
           ("P_00_14_JR", "percentage_personen_0_tot_15_jaar")),
    _entry("pct_15_25", "Inwoners 15–25 jaar", "Residents aged 15–25", "%", 0, CBS,
           ("P_15_24_JR", "percentage_personen_15_tot_25_jaar")),
    _entry("pct_25_45", "Inwoners 25–45 jaar", "Residents aged 25–45", "%", 0, CBS,
           ("P_25_44_JR", "percentage_personen_25_tot_45_jaar", "aantal_inwoners_tussen_25_44_percentage")),
    _entry("pct_45_65", "Inwoners 45–65 jaar", "Residents aged 45–65", "%", 0, CBS,
           ("P_45_64_JR", "percentage_personen_45_tot_65_jaar")),
    _entry("pct_65_plus", "Inwoners 65 jaar en ouder", "Residents aged 65 and over", "%", 0, CBS,
           ("P_65_EO_JR", "percentage_personen_65_jaar_en_ouder")),
    _entry("aantal_huishoudens", "Aantal huishoudens", "Households", "huishoudens", 0, CBS,
           ("AANT_HH",), weighting="none", decimals=0),
    _entry("gem_huishoudensgrootte", "Gemiddelde huishoudensgrootte", "Average household size", "personen",
           0, CBS, ("GEM_HH_GR", "gemiddelde_huishoudsgrootte", "gemiddelde_huishoudensgrootte"),
           zero_is_missing=True),
    _entry("pct_eenpersoonshuishoudens", "Eenpersoonshuishoudens", "Single-person households", "%", 0, CBS,
           ("P_EENP_HH", "percentage_eenpersoonshuishoudens")),
    _entry("pct_huishoudens_met_kinderen", "Huishoudens met kinderen", "Households with children", "%", 0,
           CBS, ("P_HH_M_K", "percentage_huishoudens_met_kinderen", "aantal_huishoudens_met_kinderen_percentage")),
    _entry("woz", "Gemiddelde WOZ-waarde", "Average property value (WOZ)", "× €1.000", 0, CBS,
           ("WOZ", "gemiddelde_woningwaarde", "gemiddelde_woz_waarde_van_woningen"), dimension="woningvoorraad",
           weighting="none", decimals=0, zero_is_missing=True),
    _entry("woningvoorraad", "Woningvoorraad", "Dwellings", "woningen", 0, CBS, ("WONINGEN",),
           weighting="none", decimals=0),
    _entry("pct_huurwoningen", "Huurwoningen", "Rented dwellings", "%", 0, CBS,
           ("P_HUURWON", "percentage_huurwoningen"), dimension="woningvoorraad", weighting="none"),
    _entry("pct_koopwoningen", "Koopwoningen", "Owner-occupied dwellings", "%", 0, CBS,
           ("P_KOOPWON", "percentage_koopwoningen", "koopwoning_percentage"), dimension="woningvoorraad",
           weighting="none"),
    _entry("pct_corporatiewoningen", "Huurwoningen van corporaties", "Social housing (corporations)", "%", 0,
           CBS, ("P_WCORPW", "percentage_huurwoningen_in_bezit_woningcorporaties"), dimension="woningvoorraad",
           weighting="none"),
    _entry("pct_meergezinswoningen", "Meergezinswoningen", "Multi-family dwellings", "%", 0, CBS,
           ("P_MGEZW", "meergezinswoning_percentage", "percentage_meergezinswoning"), weighting="none"),
    _entry("pct_bouwjaar_vanaf_2000", "Woningen gebouwd vanaf 2000", "Dwellings built since 2000", "%", 0,
           CBS, ("P_BJ_VA_2000", "bouwjaar_vanaf_2000_percentage"), weighting="none"),
    _entry("gem_inkomen_per_inwoner", "Gemiddeld inkomen per inwoner", "Average income per resident",
           "× €1.000", 1, CBS, ("G_INK_PI", "gemiddeld_inkomen_per_inwoner"), zero_is_missing=True),
    _entry("pct_laag_inkomen", "Huishoudens met laag inkomen", "Low-income households", "%", -1, CBS,
           ("P_LAAGINKH", "percentage_huishoudens_met_laag_inkomen", "P_HH_LI")),
    _entry("bijstand_per_1000", "Bijstandsuitkeringen per 1.000 inwoners", "Social assistance per 1,000",
           "per 1.000", -1, CBS, ("A_BIJSTAND_1000", "personen_per_soort_uitkering_bijstand_per_1000")),
    _entry("pct_uitkering", "Inwoners met een uitkering", "Residents on benefits", "%", -1, CBS,
           ("P_UITKERING", "percentage_uitkering")),
    _entry("ses_score", "Sociaaleconomische status (SES-WOA)", "Socio-economic status (SES-WOA)", "score", 1,
           CBS, ("social_economische_score_gemiddeld", "ses_woa"), decimals=2),
    _entry("pct_westerse_migratie", "Westerse migratieachtergrond", "Western migration background", "%", 0,
           CBS, ("P_WEST_AL", "percentage_westerse_migratieachtergrond")),
    _entry("pct_niet_westerse_migratie", "Niet-westerse migratieachtergrond", "Non-Western migration background",
           "%", 0, CBS, ("P_N_W_AL", "percentage_niet_westerse_migratieachtergrond")),
    _entry("bevolkingsdichtheid", "Bevolkingsdichtheid", "Population density", "inw/km²", 0, CBS,
           ("BEV_DICHTH", "bevolkingsdichtheid_inwoners_per_km2"), weighting="none", decimals=0),
    _entry("omgevingsadressendichtheid", "Omgevingsadressendichtheid", "Address density", "adressen/km²", 0,
           CBS, ("OAD",), weighting="none", decimals=0),
    _entry("afstand_supermarkt", "Afstand tot grote supermarkt", "Distance to large supermarket", "km", -1,
           CBS, ("AF_SUPERM", "afstand_tot_grote_supermarkt_km"), dimension="voorzieningen", zero_is_missing=True),
    _entry("afstand_huisarts", "Afstand tot huisarts", "Distance to GP", "km", -1, CBS,
           ("AF_ARTSPR", "afstand_tot_huisartsenpraktijk_km"), dimension="voorzieningen", zero_is_missing=True),
    _entry("geluid_weg", "Geluid van wegverkeer", "Road traffic noise", "dB", -1, "RIVM",
           ("geluid_van_weg",), dimension="fysieke_omgeving"),
    _entry("lbm_score", "Leefbaarometer: totaalscore", "Leefbaarometer: overall score", "score", 1, LBM,
           ("lbm", "leefbarometer_score", "leefbaarometer_score", "lbm_totaal"), decimals=2,
           zero_is_missing=True),
    _entry("lbm_woningvoorraad", "Leefbaarometer: woningvoorraad", "Leefbaarometer: housing stock", "score",
           1, LBM, ("won", "lbm_won", "leefbaarometer_woningvoorraad", "leefbarometer_woningvoorraad"),
           dimension="woningvoorraad", decimals=2),
    _entry("lbm_fysieke_omgeving", "Leefbaarometer: fysieke omgeving", "Leefbaarometer: physical environment",
           "score", 1, LBM, ("fys", "lbm_fys", "leefbarometer_fysieke_omgeving", "leefbaarometer_fysieke_omgeving"),
           dimension="fysieke_omgeving", decimals=2),
    _entry("lbm_voorzieningen", "Leefbaarometer: voorzieningen", "Leefbaarometer: amenities", "score", 1, LBM,
           ("vrz", "lbm_vrz", "leefbarometer_voorzieningen", "leefbaarometer_voorzieningen"),
           dimension="voorzieningen", decimals=2),
    _entry("lbm_sociale_samenhang", "Leefbaarometer: sociale samenhang", "Leefbaarometer: social cohesion",
           "score", 1, LBM, ("soc", "lbm_soc", "leefbarometer_sociale_samenhang", "leefbaarometer_sociale_samenhang"),
           dimension="sociale_samenhang", decimals=2),
    _entry("lbm_overlast_onveiligheid", "Leefbaarometer: overlast en onveiligheid",
           "Leefbaarometer: nuisance and safety", "score", 1, LBM,
           ("onv", "lbm_onv", "leefbarometer_fysieke_overlast", "leefbaarometer_overlast_en_onveiligheid",
            "leefbaarometer_overlast"), dimension="overlast_onveiligheid", decimals=2),
    _entry("lbm_afwijking", "Leefbaarometer: afwijking van landelijk gemiddelde",
           "Leefbaarometer: deviation from national mean", "score", 1, LBM, ("afw", "lbm_afw"), decimals=2),
)

_BY_ALIAS = {alias: entry for entry in CATALOGUE for alias in entry.aliases}
BY_KEY = {entry.meta.key: entry for entry in CATALOGUE}


def normalise_column(name: str) -> str:
    """Column name → indicator key for columns not in the catalogue.

    Examples:
        >>> normalise_column("Aantal Bedrijven (totaal)")
        'aantal_bedrijven_totaal'
    """
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def lookup(column: str) -> CatalogueEntry | None:
    """The catalogue entry a column name stands for, in any of the known conventions."""
    return _BY_ALIAS.get(column.strip().lower())


def meta_for_column(column: str, *, source: str = "", year: int | None = None) -> tuple[IndicatorMeta, bool]:
    """Indicator metadata for an imported column, and whether 0 means missing for it."""
    entry = lookup(column)
    if entry is not None:
        meta = entry.meta
        return (IndicatorMeta(**{**meta.__dict__, "year": year or meta.year}), entry.zero_is_missing)
    key = normalise_column(column)
    label = column.strip().replace("_", " ")
    label = label[:1].upper() + label[1:]
    return IndicatorMeta(key=key, label_nl=label, label_en=label, source=source, year=year,
                         weighting="none"), False
