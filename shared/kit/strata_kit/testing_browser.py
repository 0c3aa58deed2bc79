"""Headless Chromium for tests that look at a rendered page (docs, HTML reports).

Written once for every suite: `chromium()` finds Debian's `chromium`, installs it (with the
CJK fonts the Chinese reports need) by `apt-get` when it is missing, and skips the test with
a message where it cannot be had. Pages are loaded with every host but 127.0.0.1 unresolvable,
so a page that needs the internet (a CDN) renders as it would on an air-gapped installation.

`render(url)` gives the DOM after the page's scripts ran; `probe(html, script)` runs a script
in a page and returns what it wrote (JSON); `screenshot(url, path)` saves a PNG; `blank(path)`
tells whether a PNG is one colour.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

PACKAGES = ("chromium", "fonts-noto-cjk")
# Everything but loopback fails to resolve: no CDN, no font service, no telemetry.
OFFLINE_RULES = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"
PROBE_ID = "strata-probe-result"
_found: list[str] = []


def _install() -> str | None:
    """apt-get install the browser and fonts; the reason it could not, or None."""
    apt = shutil.which("apt-get")
    if apt is None:
        return "no apt-get on this machine"
    sudo: list[str] = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", *PACKAGES]):
        try:
            done = subprocess.run(  # noqa: S603 (fixed arguments)
                [*sudo, *command], env=env, capture_output=True, timeout=900, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{' '.join(command)}: {exc}"
        if done.returncode != 0:
            return f"{' '.join(command)} failed: {done.stderr.decode(errors='replace')[-300:]}"
    return None


def chromium() -> str:
    """The browser's path; installs it when missing, skips the test where it cannot."""
    if _found:
        return _found[0]
    path = shutil.which("chromium")
    if path is None:
        reason = _install()
        path = shutil.which("chromium")
        if path is None:
            pytest.skip(f"headless Chromium unavailable ({reason or 'not on PATH'})")
    _found.append(path)
    return path


def _run(args: list[str], *, timeout: float = 120.0) -> subprocess.CompletedProcess[bytes]:
    with tempfile.TemporaryDirectory(prefix="strata-chromium-") as profile:
        command = [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--host-resolver-rules={OFFLINE_RULES}",
            "--virtual-time-budget=15000",
            *args,
        ]
        return subprocess.run(  # noqa: S603 (the browser, with fixed flags)
            command, capture_output=True, timeout=timeout, check=False
        )


def render(url: str, *, lang: str = "en-US") -> str:
    """The page's DOM after its scripts ran (serialised HTML)."""
    done = _run([f"--lang={lang}", "--dump-dom", url])
    return done.stdout.decode(errors="replace")


def screenshot(url: str, path: Path, *, width: int = 1280, height: int = 1600) -> Path:
    """Save a PNG of the page at `path` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _run([f"--window-size={width},{height}", f"--screenshot={path}", url])
    if not path.exists():
        raise AssertionError(f"Chromium wrote no screenshot of {url}")
    return path


def probe(html: str, script: str, directory: Path) -> object:
    """Load `html` from a file with `script` appended; the script's last expression's
    value (JSON-serialisable) is returned. The script runs after the page has laid out."""
    runner = (
        "<script>window.addEventListener('load', () => {"
        f"const value = (() => {{ {script} }})();"
        f"const out = document.createElement('pre'); out.id = '{PROBE_ID}';"
        "out.textContent = JSON.stringify(value); document.body.appendChild(out);"
        "});</script>"
    )
    page = directory / "probe.html"
    page.write_text(html.replace("</body>", runner + "</body>") if "</body>" in html else html)
    dom = render(page.as_uri())
    match = re.search(rf'<pre id="{PROBE_ID}">(.*?)</pre>', dom, re.S)
    if match is None:
        raise AssertionError("the probe script did not run:\n" + dom[-2000:])
    text = match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return json.loads(text)


def blank(path: Path) -> bool:
    """Whether the PNG at `path` is a single colour (a page that rendered nothing)."""
    from PIL import Image

    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=2)
    return colours is not None and len(colours) <= 1
