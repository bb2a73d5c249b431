"""Plotly figure builders (pure: return figures, no `st.` calls)."""
from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go

from components.maps import JUDGED, MISSING_FILL
from domain.formatting import format_value
from domain.models import MISSING_LABEL
from domain.profile import ProfileRow

NEUTRAL_BAR = "#8c8c8c"


def build_profile_figure(rows: Sequence[ProfileRow], *, buurt_name: str, lang: str = "nl") -> go.Figure:
    """Each indicator as a bar from the municipal average (0) in standard deviations.

    Missing values get no bar at all and an explicit "geheim/onbekend" label: never a 0.
    """
    # Plotly renders a subset of HTML in labels; names and labels come from files and must stay text.
    buurt_name = html.escape(buurt_name, quote=False)
    labels = [html.escape(r.label, quote=False) for r in rows][::-1]
    ordered = list(rows)[::-1]
    missing_text = MISSING_LABEL.get(lang, MISSING_LABEL["nl"])
    municipality_word = "Gemeente" if lang == "nl" else "Municipality"
    x, colours, hover, text = [], [], [], []
    for r in ordered:
        mine = format_value(r.value, r.unit, r.decimals, lang)
        average = format_value(r.average, r.unit, r.decimals, lang)
        hover.append(f"{buurt_name}: {mine}<br>{municipality_word}: {average}")
        if r.standardised is None:
            x.append(None)
            colours.append(MISSING_FILL)
            text.append(missing_text if r.value is None else mine)
        else:
            x.append(round(r.standardised, 3))
            colours.append(JUDGED[r.judgement] if r.judgement else NEUTRAL_BAR)
            text.append(mine)
    fig = go.Figure(go.Bar(
        x=x, y=labels, orientation="h", marker={"color": colours, "line": {"color": "#333", "width": 0.5}},
        text=text, textposition="outside", cliponaxis=False, hovertext=hover, hoverinfo="text",
        name=buurt_name))
    for label, r in zip(labels, ordered):
        if r.value is None:
            fig.add_annotation(x=0, y=label, text=f"<i>{missing_text}</i>", showarrow=False, xanchor="left",
                               font={"color": "#555"}, xshift=6)
    fig.add_vline(x=0, line={"color": "#1d1d1b", "width": 2})
    axis_title = ("← lager dan gemiddeld · afwijking in standaarddeviaties · hoger dan gemiddeld →" if lang == "nl"
                  else "← below average · deviation in standard deviations · above average →")
    extent = max([abs(v) for v in x if v is not None] + [1.0]) * 1.35
    fig.update_layout(
        height=max(260, 34 * len(rows) + 90), margin={"l": 10, "r": 30, "t": 30, "b": 50},
        xaxis={"title": axis_title, "range": [-extent, extent], "zeroline": False},
        yaxis={"automargin": True}, plot_bgcolor="#ffffff", paper_bgcolor="rgba(0,0,0,0)",
        showlegend=False, font={"size": 14})
    return fig


# --- Analysis page: indicator against concern share ----------------------------------------------------------

RANKED_MARKER = "#1f5f8b"
TOO_FEW_MARKER = "#9a9a9a"


def build_divergence_scatter(rows, *, indicator_label: str, unit: str, decimals: int, average: float | None,
                             overall_share: float | None, lang: str = "nl", texts: dict[str, str],
                             selected: str | None = None) -> go.Figure:
    """One point per buurt with stories and a known figure: x = indicator, y = concern share with its Wilson
    interval as error bars; ranked buurten blue, "too few stories" grey. `customdata` holds the buurt code,
    so a click (`on_select`) tells which buurt was chosen. `texts` holds the translated labels."""
    fig = go.Figure()
    for status, colour, name in (("ranked", RANKED_MARKER, texts["ranked"]),
                                 ("too_few", TOO_FEW_MARKER, texts["too_few"])):
        part = rows[(rows["status"] == status) & rows["value"].notna() & rows["concern_share"].notna()]
        if part.empty:
            continue
        share = part["concern_share"].astype(float)
        high = (part["wilson_high"].astype(float) - share).tolist()
        low = (share - part["wilson_low"].astype(float)).tolist()
        hover = [f"<b>{html.escape(str(r.name), quote=False)}</b><br>"
                 f"{html.escape(indicator_label, quote=False)}: {format_value(r.value, unit, decimals, lang)}<br>"
                 f"{r.concern}/{r.n} · {100 * r.concern_share:.0f}% "
                 f"({100 * r.wilson_low:.0f}–{100 * r.wilson_high:.0f}%)"
                 for r in part.itertuples()]
        fig.add_trace(go.Scatter(
            x=part["value"].astype(float).tolist(), y=share.tolist(), mode="markers", name=name,
            customdata=part["code"].tolist(), hovertext=hover, hoverinfo="text",
            marker={"color": colour, "size": [8 + min(int(n), 30) for n in part["n"]], "opacity": 0.85,
                    "line": {"color": "#ffffff", "width": 1}},
            error_y={"type": "data", "symmetric": False, "array": high, "arrayminus": low, "color": colour,
                     "thickness": 1.2, "width": 0}))
    chosen = rows[(rows["code"] == selected) & rows["value"].notna() & rows["concern_share"].notna()]
    if len(chosen):
        fig.add_trace(go.Scatter(
            x=chosen["value"].astype(float).tolist(), y=chosen["concern_share"].astype(float).tolist(),
            mode="markers", hoverinfo="skip", showlegend=False, customdata=chosen["code"].tolist(),
            marker={"size": 26, "color": "rgba(0,0,0,0)", "line": {"color": "#c2410c", "width": 3}}))
    if overall_share is not None:
        fig.add_hline(y=overall_share, line={"color": "#c2410c", "dash": "dash", "width": 1.5},
                      annotation_text=texts["overall"], annotation_position="top left")
    if average is not None:
        fig.add_vline(x=average, line={"color": "#1d1d1b", "dash": "dot", "width": 1.5},
                      annotation_text=texts["average"], annotation_position="top right")
    fig.update_layout(
        height=440, margin={"l": 10, "r": 20, "t": 40, "b": 50}, plot_bgcolor="#ffffff",
        paper_bgcolor="rgba(0,0,0,0)", font={"size": 14}, clickmode="event+select", dragmode=False,
        title={"text": html.escape(texts["title"], quote=False), "font": {"size": 16}},
        xaxis={"title": html.escape(texts["x"], quote=False), "gridcolor": "#eeeeee"},
        yaxis={"title": texts["y"], "range": [-0.03, 1.03], "tickformat": ".0%", "gridcolor": "#eeeeee"},
        legend={"orientation": "h", "y": -0.18}, separators=",." if lang == "nl" else ".,")
    return fig
