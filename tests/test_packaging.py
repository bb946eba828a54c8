"""The project installs from its own files, and its two dependency lists agree."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pip_deps() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = project["dependencies"] + project["optional-dependencies"]["test"]
    return dict(_split(d) for d in deps)


def _conda_deps() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            out.update(_split(d) for d in dep["pip"] if not d.startswith("-e"))
        elif _split(dep)[0] not in ("python", "pip"):  # the interpreter itself; python-docx is a dependency
            out.update([_split(dep)])
    return out


def _split(spec: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", spec.strip())
    assert match, spec
    name = re.sub(r"\[.*\]", "", match.group(1)).lower().replace("_", "-")
    return name, match.group(2).replace(" ", "")


def test_environment_yml_pins_the_same_ranges_as_pyproject():
    assert _conda_deps() == _pip_deps()


def test_every_dependency_has_a_bounded_range():
    for name, spec in _pip_deps().items():
        assert ">=" in spec and "<" in spec, f"{name} is not pinned to a range: {spec!r}"


def test_environment_yml_installs_the_project_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme and "make report" in readme


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{path.name} has outputs"
                assert cell.get("execution_count") is None, f"{path.name} has execution counts"


def test_notebooks_are_thin():
    """One tagged parameters cell; no function or class definitions."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) <= 1, path.name
        for cell in code:
            src = "".join(cell["source"])
            assert not re.search(r"^\s*(def|class|lambda)\b", src, re.M), f"{path.name} defines code"


def test_report_parameters_are_typed_defaulted_and_documented():
    """`papermill --help-notebook` documents every parameter: type, default, comment."""
    from papermill import inspect_notebook

    params = inspect_notebook(str(ROOT / "notebooks" / "township_report.ipynb"))
    expected = {"township_id", "year", "data", "poverty_line", "bands", "growth", "village_threshold",
                "monitoring_line", "income_drop_share", "output_dir", "collective_income_line",
                "collective_income_exit", "industry_coverage_line"}
    assert set(params) == expected
    for name, p in params.items():
        assert p["inferred_type_name"] != "None", f"{name} has no type"
        assert p["default"] not in (None, ""), f"{name} has no default"
        assert p["help"].strip(), f"{name} has no # comment"
