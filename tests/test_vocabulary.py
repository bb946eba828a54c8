"""One vocabulary: 未脱贫 / 拟脱贫 / 出列 (fupin.figures.labels), and no other word for them.

The library's own text (every string in its code, its templates, the notebooks) holds none of
:data:`fupin.figures.labels.SYNONYMS`; the sample's pages, Word documents and emails are scanned
for them in tests/test_email.py (test_nothing_technical_in_front_of_a_leader).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from fupin.core.config import NOTEBOOKS_DIR
from fupin.figures import labels
from fupin.figures.labels import PROJECTED, REMAINING, SYNONYMS, VILLAGE_EXIT

PACKAGE = Path(labels.__file__).resolve().parents[1]


def _strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant of a module, but the SYNONYMS table's own keys."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    table = {id(node) for a in ast.walk(tree) if isinstance(a, ast.AnnAssign) and getattr(a.target, "id", "") == "SYNONYMS"
             for node in ast.walk(a.value)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in table]


def test_the_vocabulary_is_the_seeds():
    assert (REMAINING, PROJECTED, VILLAGE_EXIT) == ("未脱贫", "拟脱贫", "出列")
    assert all(word not in written for word, written in SYNONYMS.items())


def test_no_other_word_in_the_library_s_text():
    found = [f"{path.relative_to(PACKAGE)}:{line} {text[:40]!r}"
             for path in sorted(PACKAGE.rglob("*.py")) for line, text in _strings(path)
             if any(word in text for word in SYNONYMS)]
    found += [f"{path.relative_to(PACKAGE)} {word}" for path in sorted((PACKAGE / "templates").rglob("*"))
              if path.is_file() for word in SYNONYMS if word in path.read_text(encoding="utf-8")]
    for notebook in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        found += [f"{notebook.name} {word}" for cell in cells for word in SYNONYMS if word in "".join(cell["source"])]
    assert found == []


def test_the_scan_finds_a_synonym(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('SYNONYMS: dict = {"未退出": "未脱贫"}\nTEXT = "2019年预计脱贫5户"\n', encoding="utf-8")
    assert [text for _, text in _strings(module) if any(w in text for w in SYNONYMS)] == ["2019年预计脱贫5户"]
