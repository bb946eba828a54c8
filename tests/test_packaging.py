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


def test_ci_runs_the_fast_tests_again_under_pandas_3():
    """`.ci/run`: the whole suite (`make test`) first, then `make test-pandas3`, which the README lists."""
    run = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert run.index("make test") < run.index("make test-pandas3")
    assert "make test-pandas3" in (ROOT / "README.md").read_text(encoding="utf-8")
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^PANDAS \?= pandas>=2\.2,<3$", make, re.M)
    assert re.search(r"^PANDAS3 \?= pandas>=3,<4$", make, re.M)
    target = re.search(r"^test-pandas3:.*\n((?:\t.*\n)+)", make, re.M)
    assert target and '-m "not slow"' in target.group(1) and "$(BIN3)/python -m pytest" in target.group(1)
    assert ".venv-pandas3/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_both_pandas_majors_are_allowed():
    assert _pip_deps()["pandas"] == ">=2.2,<4"


def test_one_python_range_in_pyproject_environment_and_readme():
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    [python] = [d for d in env["dependencies"] if isinstance(d, str) and re.match(r"python[<>=]", d)]
    assert requires == ">=3.11,<3.14" and python == "python" + requires
    assert "Python 3.11 to 3.13" in (ROOT / "README.md").read_text(encoding="utf-8")


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
        assert len(tagged) == 1, path.name
        for cell in code:
            src = "".join(cell["source"])
            assert not re.search(r"^\s*(def|class|lambda)\b", src, re.M), f"{path.name} defines code"


def test_report_parameters_are_typed_defaulted_and_documented():
    """`papermill --help-notebook` documents every parameter: type, default, comment."""
    from papermill import inspect_notebook

    params = inspect_notebook(str(ROOT / "notebooks" / "township_report.ipynb"))
    expected = {"township_id", "year", "data", "poverty_line", "bands", "growth", "village_threshold",
                "monitoring_line", "income_drop_share", "output_dir", "collective_income_line",
                "collective_income_exit", "industry_coverage_line", "poverty_lines"}
    assert set(params) == expected
    for name, p in params.items():
        assert p["inferred_type_name"] != "None", f"{name} has no type"
        assert p["default"] not in (None, ""), f"{name} has no default"
        assert p["help"].strip(), f"{name} has no # comment"
