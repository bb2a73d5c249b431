"""The page registry: one row per page, filtered by role (domain.roles) into `st.navigation`."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from components.i18n import t
from domain.roles import may_open


@dataclass(frozen=True)
class PageSpec:
    id: str
    path: str
    title_key: str
    icon: str
    section_key: str
    url_path: str | None = None
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("statistics", "pages/statistics_map.py", "nav.statistics", ":material/map:", "nav.section.explore",
             default=True),
    PageSpec("import", "pages/data_import.py", "nav.import", ":material/upload_file:", "nav.section.data", "import"),
    PageSpec("sessions", "pages/facilitator_sessions.py", "nav.sessions", ":material/groups:",
             "nav.section.facilitate", "sessies"),
    PageSpec("moderation", "pages/moderation.py", "nav.moderation", ":material/fact_check:",
             "nav.section.facilitate", "moderatie"),
    PageSpec("projector", "pages/facilitator_projector.py", "nav.projector", ":material/slideshow:",
             "nav.section.facilitate", "projector"),
    PageSpec("vision_board", "pages/vision_board.py", "nav.vision", ":material/how_to_vote:",
             "nav.section.facilitate", "visiebord"),
    PageSpec("analysis", "pages/analysis.py", "nav.analysis", ":material/compare:", "nav.section.analysis", "analyse"),
    PageSpec("exports", "pages/exports.py", "nav.exports", ":material/download:", "nav.section.analysis", "exporteren"),
    PageSpec("sign_in", "pages/sign_in.py", "nav.sign_in", ":material/login:", "nav.section.account", "inloggen"),
)

KIOSK_PAGE = "pages/resident_kiosk.py"


def build_pages(role: str | None) -> dict[str, list]:
    sections: dict[str, list] = {}
    for spec in PAGES:
        if spec.id == "sign_in" and role:
            continue
        # A page this role may not open is still registered, hidden and without a section, so a typed-in or
        # bookmarked URL reaches that page's own guard (the sign-in form) instead of the default page.
        allowed = may_open(role, spec.id)
        page = st.Page(spec.path, title=t(spec.title_key), icon=spec.icon, default=spec.default,
                       visibility="visible" if allowed else "hidden",
                       **({"url_path": spec.url_path} if spec.url_path and not spec.default else {}))
        sections.setdefault(t(spec.section_key) if allowed else "", []).append(page)
    return sections
