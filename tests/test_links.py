"""The repository stands alone: every link in its files points inside it, to a file that exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
#: Markdown links and images, HTML href/src: the target before any #anchor.
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?\s*(?:\"[^\"]*\")?\)|(?:href|src)=[\"']([^\"']+)[\"']")
#: The development specifications beside the repository (written in pieces so that this file does not name them).
SPECS = re.compile("|".join([r"(?<![\w/])(\.\./)+" + "shared/", "shared" + "/contracts", "/work" + "/shared"]))
EXTERNAL = ("http://", "https://", "mailto:", "data:", "#", "{{", "{%", "$")


def repository_files() -> list[Path]:
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
                            capture_output=True, text=True, encoding="utf-8", check=True).stdout
    return [ROOT / line for line in listed.splitlines() if (ROOT / line).is_file()]


def text_of(path: Path) -> str | None:
    if path.suffix not in {".md", ".py", ".ipynb", ".j2", ".html", ".yml", ".yaml", ".toml", ".txt", ".cfg", ""}:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None


def test_no_file_links_outside_the_repository():
    problems = []
    for path in repository_files():
        text = text_of(path)
        if text is None:
            continue
        if path != Path(__file__).resolve() and SPECS.search(text):
            problems.append(f"{path.relative_to(ROOT)}: names the specifications outside the repository")
        for match in LINK.finditer(text):
            target = unquote((match.group(1) or match.group(2)).split("#")[0])
            if not target or target.startswith(EXTERNAL) or "{" in target:
                continue
            resolved = (path.parent / target).resolve()
            if not resolved.is_relative_to(ROOT):
                problems.append(f"{path.relative_to(ROOT)}: {target} is outside the repository")
            elif path.suffix in {".md", ".ipynb"} and not resolved.exists():
                problems.append(f"{path.relative_to(ROOT)}: {target} does not exist")
    assert not problems, "\n".join(problems)


def test_the_data_contract_is_the_one_place_everything_points_to():
    assert (ROOT / "docs" / "data.md").is_file()
    for name in ("README.md", "data/README.md", "notebooks/getting_started.ipynb"):
        assert "docs/data.md" in (ROOT / name).read_text(encoding="utf-8"), name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "papermill" in readme and "docs/notebooks.md" in readme


def test_docs_notebooks_lists_every_parameter_of_the_report_notebook():
    """docs/notebooks.md's parameter table names exactly the parameters the report notebook declares."""
    from fupin.batch.runner import notebook_parameter_names

    text = (ROOT / "docs" / "notebooks.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.MULTILINE))
    assert documented == notebook_parameter_names()
