"""`make lab`: JupyterLab rooted at the project (as root too), options passed through ARGS, the
tutorial's links to the docs in reach of its file server."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

from fupin.core.config import NOTEBOOKS_DIR

ROOT = NOTEBOOKS_DIR.parent
TUTORIAL = NOTEBOOKS_DIR / "getting_started.ipynb"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def tutorial_links() -> list[str]:
    """The relative links of the tutorial's markdown cells (anchors dropped)."""
    nb = nbformat.read(TUTORIAL, as_version=4)
    links = [m.group(1) for c in nb.cells if c.cell_type == "markdown" for m in LINK.finditer(c.source)]
    return [link.split("#")[0] for link in links if "://" not in link and not link.startswith("#")]


def test_the_tutorials_links_stay_inside_the_project_and_exist():
    links = tutorial_links()
    assert links, "the tutorial links to the docs"
    for link in links:
        target = (NOTEBOOKS_DIR / link).resolve()
        assert target.is_relative_to(ROOT) and target.is_file(), link


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
def test_make_lab_serves_the_project_with_the_options_given(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = f"--no-browser --port {port} --ServerApp.ip=127.0.0.1 --IdentityProvider.token="
    # the environment running the tests, and no reinstall (-o: the install stamp counts as made)
    command = ["make", "-s", "-o", ".venv/.fupin-installed", "lab", f"BIN={Path(sys.executable).parent}", f"ARGS={args}"]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    lab = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           start_new_session=True, text=True, encoding="utf-8", errors="replace")
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and lab.poll() is None:
            try:
                if get(f"{base}/api/status") == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert lab.poll() is None, lab.communicate()[0]  # as root too: not "Running as root is not recommended"
        assert get(f"{base}/lab") == 200
        assert get(f"{base}/api/contents/notebooks/getting_started.ipynb?content=0") == 200
        for link in tutorial_links():  # what the tutorial links to, as Lab resolves it from notebooks/
            path = os.path.normpath(Path("notebooks") / link).replace(os.sep, "/")
            assert get(f"{base}/api/contents/{urllib.parse.quote(path)}?content=0") == 200, link
    finally:
        os.killpg(lab.pid, signal.SIGTERM)  # make and the Lab it started: this test's own process group
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()
