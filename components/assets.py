"""Leaflet, jQuery and markercluster served locally from their PyPI `xstatic-*` packages, never a CDN.

Copied at start-up into the gitignored `static/vendor/`, which Streamlit serves at `/app/static/`.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import folium
from folium.plugins import MarkerCluster

PROJECT_DIR = Path(__file__).resolve().parent.parent
VENDOR_DIR = PROJECT_DIR / "static" / "vendor"
URL_PREFIX = "/app/static/vendor"


def _packages() -> dict[str, Path]:
    import xstatic.pkg.jquery
    import xstatic.pkg.leaflet
    import xstatic.pkg.leaflet_markercluster

    return {
        "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
        "jquery": Path(xstatic.pkg.jquery.BASE_DIR),
        "markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
    }


def vendor_files() -> dict[str, Path]:
    """Local path of each asset the maps use (for inlining into standalone exports)."""
    return {
        f"{URL_PREFIX}/leaflet/leaflet.js": VENDOR_DIR / "leaflet" / "leaflet.js",
        f"{URL_PREFIX}/leaflet/leaflet.css": VENDOR_DIR / "leaflet" / "leaflet.css",
        f"{URL_PREFIX}/jquery/jquery.min.js": VENDOR_DIR / "jquery" / "jquery.min.js",
        f"{URL_PREFIX}/markercluster/leaflet.markercluster.js": VENDOR_DIR / "markercluster" / "leaflet.markercluster.js",
        f"{URL_PREFIX}/markercluster/MarkerCluster.css": VENDOR_DIR / "markercluster" / "MarkerCluster.css",
        f"{URL_PREFIX}/markercluster/MarkerCluster.Default.css":
            VENDOR_DIR / "markercluster" / "MarkerCluster.Default.css",
    }


def package_files() -> dict[str, Path]:
    """Each asset by file name, read straight from its installed xstatic package, for inlining into an
    exported file: it works whether or not install_local_assets has copied anything yet."""
    packages = _packages()
    return {
        "leaflet.js": packages["leaflet"] / "leaflet.js",
        "leaflet.css": packages["leaflet"] / "leaflet.css",
        "jquery.min.js": packages["jquery"] / "jquery.min.js",
        "leaflet.markercluster.js": packages["markercluster"] / "leaflet.markercluster.js",
        "MarkerCluster.css": packages["markercluster"] / "MarkerCluster.css",
        "MarkerCluster.Default.css": packages["markercluster"] / "MarkerCluster.Default.css",
    }


def install_local_assets() -> None:
    """Copy vendor files (once) and point folium's default JS/CSS at them."""
    for name, source in _packages().items():
        target = VENDOR_DIR / name
        if not (target / ".complete").exists():
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.map", "*.esm.js", "*-src.js"))
            (target / ".complete").write_text("ok")
    use_local_assets()


def use_local_assets() -> None:
    folium.Map.default_js = [("leaflet", f"{URL_PREFIX}/leaflet/leaflet.js"),
                             ("jquery", f"{URL_PREFIX}/jquery/jquery.min.js")]
    folium.Map.default_css = [("leaflet_css", f"{URL_PREFIX}/leaflet/leaflet.css")]
    MarkerCluster.default_js = [("markerclusterjs", f"{URL_PREFIX}/markercluster/leaflet.markercluster.js")]
    MarkerCluster.default_css = [
        ("markerclustercss", f"{URL_PREFIX}/markercluster/MarkerCluster.css"),
        ("markerclusterdefaultcss", f"{URL_PREFIX}/markercluster/MarkerCluster.Default.css"),
    ]
