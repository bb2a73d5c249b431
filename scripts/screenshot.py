"""Screenshot Buurtbeeld pages offline at tablet and projector size (for looking at your own work).

Usage: .venv/bin/python scripts/screenshot.py http://127.0.0.1:8501/statistiek out/ [--wait-map]
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SIZES = {"projector": {"viewport": {"width": 1920, "height": 1080}},
         "tablet": {"viewport": {"width": 768, "height": 1024}, "has_touch": True, "is_mobile": True}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out", type=Path)
    parser.add_argument("--name", default="page")
    parser.add_argument("--full", action="store_true", help="full-page screenshot")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=ARGS)
        for size, options in SIZES.items():
            context = browser.new_context(**options)
            page = context.new_page()
            external = []
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "http://localhost"))
                       else (external.append(r.request.url), r.abort()))
            page.goto(args.url)
            page.wait_for_selector("[data-testid='stApp']")
            page.wait_for_timeout(int(os.environ.get("SHOT_WAIT_MS", "8000")))
            path = args.out / f"{args.name}-{size}.png"
            page.screenshot(path=str(path), full_page=args.full)
            print(path, "external requests:", external)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
