"""A report page as headless Chromium sees it: console errors, images that did not load, and
how long the page takes to load. Needs chromium, chromium-driver and python3-selenium."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

CHROMEDRIVER = Path("/usr/bin/chromedriver")
PAGE_LOAD_TIMEOUT_S = 120


@contextmanager
def headless_chromium() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    # --no-sandbox: Chromium refuses to run as root (CI) with its sandbox.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT_S)
        yield driver
    finally:
        driver.quit()


def page_problems(index: Path) -> list[str]:
    """Console errors and images that did not load."""
    with headless_chromium() as driver:
        driver.get(index.resolve().as_uri())
        broken = driver.execute_script(
            "return Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
            ".map(i => i.getAttribute('src'))")
        errors = [entry["message"] for entry in driver.get_log("browser")
                  if entry.get("level") == "SEVERE"]
    return errors + [f"image did not load: {src}" for src in broken]


def load_times_ms(index: Path, loads: int) -> list[float]:
    """Milliseconds from navigation start to the load event, for each of `loads` fresh loads."""
    times = []
    with headless_chromium() as driver:
        for _ in range(loads):
            driver.get("about:blank")
            driver.get(index.resolve().as_uri())
            times.append(float(driver.execute_script(
                "const t = performance.getEntriesByType('navigation')[0];"
                "return t.loadEventEnd - t.startTime;")))
    return times
