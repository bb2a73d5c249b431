"""The projector view: story pins shaped and coloured by kind, per-buurt lean markers, the kind legend and
the panels. `build_*` return folium groups or HTML from plain data and never call `st.`; `render_*` draw.

Pins carry no story text at all (only a kind index), so nothing a resident typed ever reaches the map's
JS; the text appears in the side panel through `st.text`, which shows it as text, never as HTML.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import folium
import streamlit as st
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster

from components import maps, state
from components.i18n import t
from domain.models import DIMENSIONS, STORY_KINDS
from domain.models import IndicatorMeta
from domain.projector import Counts, Lean, count_stories, generalise_point, step_stage
from domain.text import safe_text

# Okabe–Ito colours (distinct for the common colour-vision deficiencies) AND a different shape per kind, with
# a dark outline so a washed-out projector still shows the shape when the colour fades.
KIND_STYLE: dict[str, tuple[str, str]] = {
    "proud": ("#0072B2", "circle"),
    "concern": ("#D55E00", "triangle"),
    "dream": ("#CC79A7", "star"),
    "idea": ("#E69F00", "diamond"),
    "contribution": ("#009E73", "square"),
}
PIN_PX = 30
_SHAPES = {
    "circle": "<circle cx='12' cy='12' r='9'/>",
    "triangle": "<path d='M12 2.5 22 20.5H2z'/>",
    "star": "<path d='M12 1.8l2.9 6.6 7.1.6-5.4 4.7 1.7 7-6.3-3.8-6.3 3.8 1.7-7L2 9l7.1-.6z'/>",
    "diamond": "<path d='M12 1.5 22.5 12 12 22.5 1.5 12z'/>",
    "square": "<rect x='3' y='3' width='18' height='18' rx='1.5'/>",
}
CLUSTER_FROM_ZOOM = 18  # from here single pins; below, MarkerCluster groups them (10,000 stories stay smooth, issue 5.6)


def kind_svg(kind: str, px: int = PIN_PX) -> str:
    """Our own fixed SVG for a kind (no user text in it)."""
    colour, shape = KIND_STYLE.get(kind, ("#6b7280", "circle"))
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{px}' height='{px}' viewBox='0 0 24 24' "
            f"data-kind='{kind}' data-shape='{shape}'><g fill='{colour}' stroke='#1d1d1b' stroke-width='1.6' "
            f"stroke-linejoin='round'>{_SHAPES[shape]}</g></svg>")


class _StoryPins(JSCSSMixin, maps._DataLayer):
    """All pins in one compact JSON array `[lat, lon, kind index, story id]`, drawn as DivIcons into a
    MarkerCluster group (clustered below zoom 16), one icon object per kind."""

    # read at render time: components.assets swaps MarkerCluster's CDN links for local ones at app start,
    # possibly after this module was imported
    default_js = property(lambda self: MarkerCluster.default_js)
    default_css = property(lambda self: MarkerCluster.default_css)
    _template = folium.template.Template("""{% macro script(this, kwargs) %}
var {{ this.get_name() }}_pins = {{ this.pins_js }};
var {{ this.get_name() }}_icons = {{ this.icons_js }}.map(function (html) {
    return L.divIcon({html: html, className: 'bb-kind', iconSize: [{{ this.px }}, {{ this.px }}],
                      iconAnchor: [{{ this.px // 2 }}, {{ this.px // 2 }}]});
});
if (window.map && !(window.map.options.maxZoom > 0)) { window.map.options.maxZoom = 19; }  // MarkerCluster needs it
if (!document.getElementById('bb-cluster-css')) {
    var bbCss = document.createElement('style');
    bbCss.id = 'bb-cluster-css';
    bbCss.textContent = '.marker-cluster div{font:700 17px/30px system-ui,sans-serif;color:#1d1d1b}'
        + '.marker-cluster-small,.marker-cluster-medium,.marker-cluster-large{background:rgba(29,29,27,.25)}'
        + '.marker-cluster-small div,.marker-cluster-medium div,.marker-cluster-large div{background:#fff;'
        + 'border:2px solid #1d1d1b}.bb-kind{background:none;border:none}';
    document.head.appendChild(bbCss);
}
var {{ this.get_name() }} = (typeof L.markerClusterGroup === 'function')
    ? L.markerClusterGroup({disableClusteringAtZoom: {{ this.cluster_from }}, maxClusterRadius: 50,
                            chunkedLoading: true, showCoverageOnHover: false, spiderfyOnMaxZoom: false})
    : L.featureGroup();
(function (group) {
    var markers = {{ this.get_name() }}_pins.map(function (p) {
        var m = L.marker([p[0], p[1]], {icon: {{ this.get_name() }}_icons[p[2]], keyboard: false});
        m.storyId = p[3];
        return m;
    });
    if (group.addLayers) { group.addLayers(markers); } else { markers.forEach(function (m) { group.addLayer(m); }); }
})({{ this.get_name() }});
{% endmacro %}""")

    def __init__(self, pins: list[list], *, name: str):
        super().__init__(name=name, overlay=True)
        self._name = "StoryPins"
        self.px = PIN_PX
        self.cluster_from = CLUSTER_FROM_ZOOM
        self.icons_js = maps._script_json([kind_svg(kind) for kind in STORY_KINDS])
        self.pins_js = maps._script_json(pins)


def story_pin_rows(stories: Iterable, generalise: str, centroids: Mapping[str, tuple[float, float]]) -> list[list]:
    """`[lat, lon, kind index, id]` per public story with a place, after the session's generalisation."""
    from domain.moderation import PUBLIC_STATUSES

    kinds = list(STORY_KINDS)
    rows = []
    for s in stories:
        if s.status not in PUBLIC_STATUSES or s.kind not in STORY_KINDS:
            continue  # defence in depth: the page reads public_stories() already
        point = generalise_point(s.lat, s.lon, s.buurt_code, generalise, centroids)
        if point:
            rows.append([point[0], point[1], kinds.index(s.kind), s.id])
    rows.sort(key=lambda r: r[3])
    return rows


def build_story_pins(stories: Iterable, generalise: str, centroids: Mapping[str, tuple[float, float]], *,
                     name: str = "pins") -> folium.FeatureGroup:
    """Approved stories as pins coloured and shaped by kind (an empty sequence gives an empty layer)."""
    group = folium.FeatureGroup(name=name)
    _StoryPins(story_pin_rows(stories, generalise, centroids), name=name).add_to(group)
    maps.stabilise_ids(group, name)
    return group


class _LeanMarkers(maps._DataLayer):
    """Per buurt a small bar: the proud part blue, the concern part orange, the count under it."""

    _template = folium.template.Template("""{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.featureGroup();
{{ this.rows_js }}.forEach(function (r) {
    var proudPct = Math.round(100 * r[2] / (r[2] + r[3]));
    var html = "<div class='bb-lean' data-buurt='" + r[4] + "' style='width:64px;font:700 16px/1.1 system-ui,sans-serif;"
        + "text-align:center;color:#1d1d1b;text-shadow:0 0 3px #fff,0 0 3px #fff'>"
        + "<div style='display:flex;height:16px;border:2px solid #1d1d1b;background:#fff'>"
        + "<span style='width:" + proudPct + "%;background:{{ this.proud }}'></span>"
        + "<span style='flex:1;background:{{ this.concern }};background-image:repeating-linear-gradient(45deg,"
        + "transparent 0 4px,rgba(255,255,255,.55) 4px 6px)'></span></div>"
        + r[2] + " / " + r[3] + "</div>";
    L.marker([r[0], r[1]], {interactive: false, keyboard: false,
        icon: L.divIcon({html: html, className: 'bb-lean-icon', iconSize: [64, 38], iconAnchor: [32, 19]})
    }).addTo({{ this.get_name() }});
});
{% endmacro %}""")

    def __init__(self, rows: list[list], *, name: str):
        super().__init__(name=name, overlay=True)
        self._name = "LeanMarkers"
        self.proud = KIND_STYLE["proud"][0]
        self.concern = KIND_STYLE["concern"][0]
        self.rows_js = maps._script_json(rows)


def build_lean_layer(leans: Mapping[str, Lean], centroids: Mapping[str, tuple[float, float]], *,
                     name: str = "lean") -> folium.FeatureGroup:
    """Comparison stage: how each buurt's stories lean (proud vs concern), at the buurt's centre."""
    rows = [[round(centroids[c][0], 6), round(centroids[c][1], 6), lean.proud, lean.concern, safe_text(c)]
            for c, lean in sorted(leans.items()) if c in centroids]
    group = folium.FeatureGroup(name=name)
    _LeanMarkers(rows, name=name).add_to(group)
    maps.stabilise_ids(group, name)
    return group


def build_kind_legend_html(counts: Counts, lang: str) -> str:
    """The pin legend: shape + colour + name + live count per kind (all text escaped)."""
    rows = "".join(
        f"<div class='bb-kind-row' data-kind='{kind}'>{kind_svg(kind, 28)}"
        f"<span>{safe_text(spec.get(lang, spec['nl']))}</span><b>{counts.by_kind.get(kind, 0)}</b></div>"
        for kind, spec in STORY_KINDS.items())
    return f"<div class='bb-kinds'>{rows}</div>"


def build_dimension_counts_html(counts: Counts, lang: str) -> str:
    rows = "".join(f"<div class='bb-dim-row'><span>{safe_text(DIMENSIONS[d].get(lang, DIMENSIONS[d]['nl']))}"
                   f"</span><b>{n}</b></div>" for d, n in counts.by_dimension.items())
    return f"<div class='bb-dims'>{rows}</div>"


def centroids_of(buurten) -> dict[str, tuple[float, float]]:
    """A point inside each buurt (representative point, so a U-shaped buurt still gets its own)."""
    points = buurten.geometry.representative_point()
    return {str(code): (float(p.y), float(p.x)) for code, p in zip(buurten["code"], points)}


# ------------------------------------------------------------------------------------------------ rendering

PROJECTOR_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], header[data-testid="stHeader"],
[data-testid="stToolbar"], footer {display: none !important;}
.stMain .block-container, [data-testid="stMainBlockContainer"] {padding: .6rem 1.2rem 0 1.2rem; max-width: 100%;}
.stMain, .stMain p, .stMain label, .stMain button, .stMain div[data-testid="stMarkdownContainer"] {font-size: 22px;}
.stMain {color: #111;}
.stMain button {min-height: 3rem; font-weight: 700;}
.bb-kinds, .bb-dims {font-size: 22px; line-height: 1.25;}
.bb-kind-row, .bb-dim-row {display: flex; align-items: center; gap: .5em; margin: .15em 0;}
.bb-kind-row b, .bb-dim-row b {margin-left: auto; font-size: 26px;}
.bb-legend {font-size: 22px !important;}
.bb-stage {font-size: 30px; font-weight: 800; color: #111;}
.bb-banner {font-size: 24px; padding: .4em .7em; border: 3px solid #1d1d1b; background: #fff3c4;}
.st-key-projector-latest [data-testid="stText"], .st-key-projector-latest pre,
.st-key-projector-focus [data-testid="stText"], .st-key-projector-ranking [data-testid="stText"] {font-size: 21px; white-space: pre-wrap; font-family: inherit;}
</style>"""


def render_chrome_free() -> None:
    st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)  # our fixed CSS only


KEYS_JS = """<script>
(function () {
  var doc = window.parent.document;
  if (window.parent.__bbProjectorKeys) { return; }
  window.parent.__bbProjectorKeys = true;
  var map = {ArrowRight: 'next', PageDown: 'next', ' ': 'next', ArrowLeft: 'prev', PageUp: 'prev',
             f: 'freeze', F: 'freeze'};
  doc.addEventListener('keydown', function (e) {
    var target = e.target && e.target.tagName;
    if (target === 'INPUT' || target === 'TEXTAREA' || target === 'SELECT') { return; }
    var which = map[e.key];
    if (!which) { return; }
    var box = doc.querySelector('.st-key-projector-' + which);
    var button = box && box.querySelector('button, input[type=checkbox]');
    if (button) { e.preventDefault(); button.click(); }
  });
})();
</script>"""


def render_keyboard() -> None:
    """Clicker and arrow keys press our own stage buttons (fixed JS, no user text)."""
    import streamlit.components.v1 as components

    components.html(KEYS_JS, height=0)


def render_latest(stories: Sequence, buurt_names: Mapping[str, str], photo, lang: str, *, limit: int = 4) -> None:
    """The rolling panel: newest approved stories as plain text with kind, buurt and a photo thumbnail."""
    with st.container(key="projector-latest"):
        for story in list(stories)[:limit]:
            with st.container(border=True):
                kind = STORY_KINDS.get(story.kind, {})
                head, pic = st.columns([4, 1]) if story.photo_id else (st.container(), None)
                with head:
                    where = buurt_names.get(story.buurt_code, "")
                    # our SVG constant + escaped kind and buurt names; the resident's own words go through st.text
                    st.markdown(f"{kind_svg(story.kind, 24)} <b>{safe_text(kind.get(lang, kind.get('nl', story.kind)))}"
                                f"</b>{' · ' + safe_text(where) if where else ''}", unsafe_allow_html=True)
                    st.text(story.text)
                if pic is not None and (image := photo(story.photo_id)) is not None:
                    pic.image(image[0], width=110)


def render_legend(legend_html: str) -> None:
    st.markdown(legend_html, unsafe_allow_html=True)  # built from escaped parts by maps/this module


def render_empty(work_session, kiosk_link: str, qr_png: bytes) -> None:
    """No approved stories yet: welcome the room and show how to join."""
    left, right = st.columns([2, 1])
    left.markdown(f"<div class='bb-banner'>{safe_text(t('projector.empty', title=work_session.title))}</div>",
                  unsafe_allow_html=True)
    left.text(t("projector.join_with_code", code=work_session.code))
    left.text(kiosk_link)
    right.image(qr_png, width=300)


def render_focus(name: str, profile_rows, stories: Sequence, lang: str) -> None:
    """A clicked buurt: key numbers vs the municipal average beside its stories, grouped by kind."""
    from domain.formatting import format_value

    with st.container(key="projector-focus", border=True):
        st.markdown(f"<div class='bb-stage'>{safe_text(name)}</div>", unsafe_allow_html=True)
        numbers, voices = st.columns([1, 1.3])
        with numbers:
            for row in profile_rows[:6]:
                st.text(f"{row.label}: {format_value(row.value, row.unit, row.decimals, lang)}  "
                        f"({t('projector.average')}: {format_value(row.average, row.unit, row.decimals, lang)})")
        with voices:
            if not stories:
                st.text(t("projector.focus_no_stories"))
            for kind, spec in STORY_KINDS.items():
                mine = [s for s in stories if s.kind == kind]
                if mine:
                    st.markdown(f"{kind_svg(kind, 22)} <b>{safe_text(spec.get(lang, spec['nl']))}</b>",
                                unsafe_allow_html=True)
                    for s in mine[:4]:
                        st.text(f"– {s.text}")


def render_ranking(themes: Sequence, title: str) -> None:
    """The room's dot vote, top themes first (names as text)."""
    with st.container(key="projector-ranking", border=True):
        st.markdown(f"<b>{safe_text(title)}</b>", unsafe_allow_html=True)
        for place, theme in enumerate(themes, 1):
            st.text(f"{place}. {theme.name} — {theme.votes}")


# ---------------------------------------------------------------- the page's parts (pages/facilitator_projector.py)

def render_toolbar(work_sessions: Sequence, by_key: Mapping[str, IndicatorMeta], lang: str):
    """The one row above the map: session, indicator, ◀ stage ▶ and freeze (keys and clicker press these);
    returns (the chosen werksessie, the chosen indicator's meta)."""
    from components import session_form

    top = st.columns([2.4, 2.2, 0.7, 2.2, 0.7, 1.4], vertical_alignment="center")
    work_session = session_form.render_picker(work_sessions, key=state.PROJECTOR_SESSION,
                                              label_key="projector.session", where=top[0], label_visibility="collapsed")
    offered = [k for k in (work_session.settings.stats_layers or tuple(by_key)) if k in by_key] or list(by_key)
    chosen = work_session.settings.stats_indicator
    if state.get(state.PROJECTOR_INDICATOR) not in offered:
        state.put(state.PROJECTOR_INDICATOR, chosen if chosen in offered else offered[0])
    meta = by_key[top[1].selectbox(t("projector.indicator"), offered, key=state.PROJECTOR_INDICATOR,
                                   format_func=lambda k: by_key[k].label(lang), label_visibility="collapsed")]
    stage = state.projector_stage()
    top[2].button("◀", key="projector-prev", width="stretch", help=t("projector.prev_help"),
                  on_click=lambda: state.set_projector_stage(step_stage(state.projector_stage(), -1)))
    # a stage constant and our own translation only
    top[3].markdown(f"<div class='bb-stage' data-stage='{stage}'>{t(f'projector.stage.{stage}')}</div>",
                    unsafe_allow_html=True)
    top[4].button("▶", key="projector-next", width="stretch", help=t("projector.next_help"),
                  on_click=lambda: state.set_projector_stage(step_stage(state.projector_stage(), 1)))
    with top[5].container(key="projector-freeze"):
        st.toggle(t("projector.freeze"), key=state.PROJECTOR_FREEZE)
    render_keyboard()
    return work_session, meta


def load_live(work_session) -> tuple:
    """(session as it is now, approved stories, themes, reconnecting): read fresh on every refresh; when the
    database hiccups, the last good picture of this session (or an empty one) and reconnecting=True."""
    from sqlalchemy.exc import DBAPIError

    from components import deps
    from storage import sessions, stories, vision

    try:
        with deps.reading() as db:
            current = sessions.get_session(db, work_session.id) or work_session
            public = stories.public_stories(db, work_session.id)
            themes = vision.list_themes(db, work_session.id)
    except DBAPIError:  # OperationalError is a DBAPIError
        current, public, themes = state.projector_last_good(work_session.id) or (work_session, [], [])
        return current, public, themes, True
    state.set_projector_last_good(work_session.id, (current, public, themes))
    return current, public, themes, False


def load_photo(photo_id: int):
    """A story's photo for the rolling panel, or None while the database is unreachable."""
    from sqlalchemy.exc import DBAPIError

    from components import deps
    from storage import stories

    try:
        with deps.reading() as db:
            return stories.get_photo(db, photo_id)
    except DBAPIError:
        return None


def render_banners(*, reconnecting: bool, is_open: bool) -> None:
    """Our own fixed texts above the map."""
    if reconnecting:
        st.markdown(f"<div class='bb-banner' role='status'>{t('projector.reconnecting')}</div>", unsafe_allow_html=True)
    if not is_open:
        st.markdown(f"<div class='bb-banner'>{t('projector.closed')}</div>", unsafe_allow_html=True)


def render_side(current, public: Sequence, themes: Sequence, shows: tuple[bool, bool, bool], legend_html: str,
                buurt_names: Mapping[str, str], profile_of, lang: str) -> None:
    """Beside the map: a clicked buurt's focus panel, or the stage's legends, the welcome with the QR code
    while no story is approved yet, the latest stories and the room's ranking."""
    from components import deps, session_form
    from domain.session_setup import kiosk_url
    from domain.vision import ranking

    show_stats, show_pins, show_lean = shows
    if focus := state.projector_focus():
        st.button(t("projector.focus_close"), key="projector-close-focus", width="stretch",
                  on_click=lambda: state.set_projector_focus(None))
        render_focus(buurt_names.get(focus, focus), profile_of(focus),
                     [s for s in public if s.buurt_code == focus], lang)
        return
    counts = count_stories(public)
    if show_stats:
        render_legend(legend_html)
    if show_pins:
        render_legend(build_kind_legend_html(counts, lang))
    if not public:
        link = kiosk_url(deps.settings().public_base_url, current.code)
        render_empty(current, link, session_form.build_qr_png(link, scale=8))
    elif show_pins:
        render_legend(build_dimension_counts_html(counts, lang))
        render_latest(public, buurt_names, load_photo, lang)
    elif show_lean:
        st.text(t("projector.lean_help"))
    if any(theme.votes for theme in themes):
        render_ranking(ranking(themes)[:5], t("vision.ranking"))
