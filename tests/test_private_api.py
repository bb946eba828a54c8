"""No module of the package reaches into another library's private internals: no attribute whose name
starts with ``_`` that the package does not define itself (``renderer._prepare_font()``,
``ws._get_source()``), and no import from a private module or of a private name of matplotlib,
openpyxl, papermill or nbclient (``from openpyxl.worksheet._reader import ...``)."""

import ast
from pathlib import Path

import fupin

PACKAGE = Path(fupin.__file__).parent

#: The libraries whose private modules and names must not be imported.
LIBRARIES = {"matplotlib", "openpyxl", "papermill", "nbclient"}

#: Private names of other libraries still used, each with its library and the module using it. This
#: list only shrinks: a name that is no longer used must be removed (the test fails until it is), and
#: a new one fails the test.
KNOWN_PRIVATE = {
    # python-docx's XML elements behind a run, paragraph, table row and table
    "_r": "python-docx (docx_report)",
    "_p": "python-docx (docx_report)",
    "_tr": "python-docx (docx_report)",
    "_tbl": "python-docx (docx_report)",
    # the standard library: argparse's type of add_subparsers()'s value (annotations)
    "_SubParsersAction": "argparse (commands)",
}

#: Names with a leading underscore that are documented public API of the standard library:
#: os._exit and the methods and attributes of a namedtuple.
DOCUMENTED = {"_exit", "_asdict", "_replace", "_fields", "_field_defaults", "_make"}


def defined_names(trees: list[ast.AST]) -> set[str]:
    """Every name the package defines: functions, classes, arguments, assigned names and attributes,
    import aliases."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias) and node.asname:
                names.add(node.asname)
    return names


def private_uses(sources: dict[str, str]) -> dict[str, list[str]]:
    """Each private name of another library the sources use, and where (``path:line``): attributes
    named ``_x`` (not ``__x__``) that no source defines, and imports from a private module or of a
    private name of :data:`LIBRARIES`."""
    trees = {path: ast.parse(text) for path, text in sources.items()}
    own = defined_names(list(trees.values()))
    found: dict[str, list[str]] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.endswith("__"):
                names = [node.attr] if node.attr not in own | DOCUMENTED else []
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in LIBRARIES:
                if any(part.startswith("_") for part in node.module.split(".")):
                    names = [node.module]
                else:
                    names = [a.name for a in node.names if a.name.startswith("_")]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.split(".")[0] in LIBRARIES
                         and any(part.startswith("_") for part in a.name.split("."))]
            for name in names:
                found.setdefault(name, []).append(f"{path}:{node.lineno}")
    return found


def test_no_private_api_of_another_library():
    sources = {p.relative_to(PACKAGE).as_posix(): p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))}
    found = private_uses(sources)
    new = {name: where for name, where in found.items() if name not in KNOWN_PRIVATE}
    assert new == {}, "private names of another library: use its public API"
    gone = sorted(set(KNOWN_PRIVATE) - set(found))
    assert gone == [], "no longer used: remove them from KNOWN_PRIVATE"


def test_private_api_scan_sees_private_attributes_and_imports():
    sources = {
        "a.py": "from matplotlib.backends._backend_agg import RendererAgg\nfrom openpyxl import _x\n"
                "import papermill._y\nclass C:\n    def _own(self):\n        self._kept = 1\n",
        "b.py": "def f(renderer, c):\n    renderer._prepare_font()._layout('x')\n    c._own(); c._kept\n"
                "    return renderer.__class__, c._asdict\n",
    }
    assert private_uses(sources) == {
        "matplotlib.backends._backend_agg": ["a.py:1"], "_x": ["a.py:2"], "papermill._y": ["a.py:3"],
        "_prepare_font": ["b.py:2"], "_layout": ["b.py:2"],
    }
