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
