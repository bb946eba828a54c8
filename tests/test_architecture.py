"""The import structure of the package (docs/architecture.md): layers imported only downwards, batch
and mail apart, no cycles between fupin modules, no private names taken across modules (imports inside
functions and under TYPE_CHECKING count as well); every exception class in errors.py."""

import ast
import builtins
import functools
import importlib
import json
from pathlib import Path

import pytest

import fupin

PACKAGE = Path(fupin.__file__).parent


def module_name(path: Path) -> str:
    """``mail/send.py`` -> ``mail.send``, ``mail/__init__.py`` -> ``mail``, ``metrics.py`` -> ``metrics``."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}

#: The layers, from the bottom up (docs/architecture.md): each is a folder of lib/fupin, and a module's
#: layer is its folder. A module imports only modules of its own layer or below; io and sample sit side
#: by side, as do batch and mail, and neither pair imports each other. The package's ``__init__`` (lazy
#: names only), ``cli`` and ``__main__`` are the only modules outside a folder.
ORDER = {"core": 0, "io": 1, "sample": 1, "figures": 2, "report": 3, "batch": 4, "mail": 4, "cli": 5}
TOP_LEVEL = {"__init__": "core", "cli": "cli", "__main__": "cli"}
APART = [{"io", "sample"}, {"batch", "mail"}]


def layer_of(module: str) -> str | None:
    """A module's layer: its folder (``report.charts`` -> report), or the top-level table; else None."""
    folder = module.split(".")[0]
    if module in TOP_LEVEL:
        return TOP_LEVEL[module]
    return folder if folder in ORDER and folder != "cli" else None


LAYER_OF = {module: layer for module in MODULES if (layer := layer_of(module))}

#: Edges that still cross a layer the wrong way, as (importer, imported): none now. One may be listed
#: here only with the step that removes it (docs/architecture.md); the test fails once it is gone.
KNOWN_WRONG_WAY: set[tuple[str, str]] = set()


def resolve(importer: str, node: ast.ImportFrom) -> str | None:
    """The absolute dotted module of a ``from X import ...`` (relative imports included)."""
    if not node.level:
        return node.module
    is_package = MODULES[importer].name == "__init__.py" and importer != "__init__"
    package = ["fupin", *(importer.split(".") if is_package else importer.split(".")[:-1])]
    package = package[: len(package) - node.level + 1]
    return ".".join([*package, *([node.module] if node.module else [])])


def target(dotted: str) -> str | None:
    """The fupin module a dotted import names (``fupin.mail.send.x`` -> ``mail.send``), else None."""
    parts = dotted.split(".")
    if parts[0] != "fupin":
        return None
    for end in range(len(parts), 1, -1):
        name = ".".join(parts[1:end])
        if name in MODULES:
            return name
    return None


def imports() -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    """Each module's fupin imports, and every (importer, module, private name) taken."""
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    private = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges[name] |= {t for a in node.names if (t := target(a.name))}
            elif isinstance(node, ast.ImportFrom) and (module := resolve(name, node)):
                base = target(module)
                for a in node.names:
                    sub = target(f"{module}.{a.name}")  # `from fupin.mail import send`: the module send
                    if sub and sub != base:
                        edges[name].add(sub)
                    elif base:
                        edges[name].add(base)
                        if a.name.startswith("_") and base != name:
                            private.append((name, base, a.name))
    return {m: t - {m} for m, t in edges.items()}, private


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module, sorted."""
    reach = {m: set() for m in edges}
    for start in edges:
        todo = list(edges[start])
        while todo:
            m = todo.pop()
            if m not in reach[start]:
                reach[start].add(m)
                todo.extend(edges[m])
    groups = {frozenset({m} | {n for n in reach[m] if m in reach[n]}) for m in edges}
    return sorted(sorted(g) for g in groups if len(g) > 1)


def wrong_way(edges: dict[str, set[str]], layer_of: dict[str, str]) -> list[str]:
    """Every import of a higher layer, or between layers side by side, as 'a (layer) -> b (layer)'."""
    bad = []
    for a in sorted(edges):
        for b in sorted(edges[a]):
            la, lb = layer_of[a], layer_of[b]
            if ORDER[lb] > ORDER[la] or {la, lb} in APART:
                bad.append(f"{a} ({la}) -> {b} ({lb})")
    return bad


def test_every_module_sits_in_a_layer_folder():
    outside = sorted(set(MODULES) - set(LAYER_OF))
    assert not outside, (
        f"fupin modules outside a layer folder: {outside}. Move each into the folder of the lowest layer "
        "whose modules are all it imports (docs/architecture.md).")
    assert sorted(p.name for p in PACKAGE.iterdir() if not p.name.startswith((".", "__pycache__"))) == [
        "__init__.py", "__main__.py", "batch", "cli.py", "core", "figures", "io", "mail", "report", "sample",
        "templates"]


def test_layer_of_reads_the_folder():
    assert [layer_of(m) for m in ("core.money", "report.charts", "mail.send", "mail", "cli", "plots")] == [
        "core", "report", "mail", "mail", "cli", None]


def test_no_module_imports_a_higher_layer_and_batch_and_mail_stay_apart():
    edges = imports()[0]
    if set(MODULES) - set(LAYER_OF):
        return  # reported by test_every_module_is_assigned_to_a_layer
    bad = wrong_way(edges, LAYER_OF)
    known = {f"{a} ({LAYER_OF[a]}) -> {b} ({LAYER_OF[b]})" for a, b in KNOWN_WRONG_WAY}
    assert sorted(set(bad) - known) == []
    assert sorted(known - set(bad)) == [], "gone: remove it from KNOWN_WRONG_WAY"


def test_layer_check_sees_a_wrong_way_import():
    layer_of = {"m": "figures", "s": "report", "r": "batch", "e": "mail", "c": "core"}
    edges = {"m": {"s", "c"}, "s": {"m"}, "r": {"e", "s"}, "e": {"s"}, "c": set()}
    assert wrong_way(edges, layer_of) == ["m (figures) -> s (report)", "r (batch) -> e (mail)"]


def test_mail_imports_no_batch_module():
    edges = imports()[0]
    batch = {m for m, layer in LAYER_OF.items() if layer == "batch"}
    mail = {m for m, layer in LAYER_OF.items() if layer == "mail"}
    assert {m: sorted(edges[m] & batch) for m in mail if edges[m] & batch} == {}
    assert edges["mail.send"] >= {"mail.config", "mail.folder", "mail.ledger", "mail.message", "mail.smtp"}


def test_no_import_cycles_between_modules():
    assert cycles(imports()[0]) == []


def test_no_private_names_across_modules():
    assert imports()[1] == []


def test_cycle_finder_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_exception_class_is_in_errors():
    classes = {(name, node.name): [b.id for b in node.bases if isinstance(b, ast.Name)]
               for name, path in MODULES.items()
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.ClassDef)}
    exceptions = {n for n in vars(builtins) if isinstance(getattr(builtins, n), type)
                  and issubclass(getattr(builtins, n), BaseException)}
    for _ in range(len(classes)):  # subclasses of fupin's own exceptions too
        exceptions |= {cls for (_, cls), bases in classes.items() if exceptions & set(bases)}
    assert sorted((m, cls) for (m, cls) in classes if cls in exceptions and m != "core.errors") == []


def lent_names(source: str) -> list[str]:
    """The names a module's source only lends out: imported at module level, listed in ``__all__`` or
    marked ``noqa: F401``, and never used in the module itself (a re-export)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    imported = {}
    for node in tree.body:
        for n in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
            if isinstance(n, (ast.Import, ast.ImportFrom)) and not (isinstance(n, ast.ImportFrom)
                                                                    and n.module == "__future__"):
                noqa = any("noqa" in lines[i - 1] and "F401" in lines[i - 1]
                           for i in range(n.lineno, n.end_lineno + 1))
                for a in n.names:
                    imported[a.asname or a.name.split(".")[0]] = noqa
    listed = {e.value for node in tree.body if isinstance(node, ast.Assign)
              and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
              for e in node.value.elts if isinstance(e, ast.Constant)}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)}
    return sorted(name for name, noqa in imported.items() if (noqa or name in listed) and name not in used)


def is_shim(source: str) -> bool:
    """A module that holds nothing of its own: only imports, ``__all__`` and a warning (a package's
    ``__init__`` with only its docstring is none)."""
    body = ast.parse(source).body
    own = [n for n in body if not isinstance(n, (ast.Import, ast.ImportFrom))
           and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))  # the docstring
           and not (isinstance(n, ast.Assign) and [getattr(t, "id", "") for t in n.targets] == ["__all__"])
           and not (isinstance(n, ast.Expr) and "warn" in ast.unparse(n.value.func if isinstance(n.value, ast.Call)
                                                                      else n.value))]
    return any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in body) and not own


def test_no_module_lends_out_names_of_another():
    """Each name is imported from the module that defines it; no module re-exports another's names."""
    lent = {name: names for name, path in MODULES.items() if (names := lent_names(path.read_text(encoding="utf-8")))}
    assert lent == {}


def test_re_export_finder_sees_a_re_export_and_a_shim():
    source = ("from fupin.figures.frame import (  # noqa: F401\n    household_frame,\n    village_table,\n)\n"
              "from fupin.core.money import to_fen, to_yuan\nfrom fupin.core.formats import fmt_pct\n"
              "__all__ = ['to_fen', 'to_yuan', 'f']\n\ndef f(x):\n    return fmt_pct(to_yuan(x))\n")
    assert lent_names(source) == ["household_frame", "to_fen", "village_table"]
    assert is_shim('"""Moved."""\nimport warnings\nfrom fupin.core.lock import FolderLock\n'
                   'warnings.warn("moved", DeprecationWarning)\n__all__ = ["FolderLock"]\n')
    assert not is_shim(source)


def test_no_shim_modules_remain():
    assert sorted(name for name, path in MODULES.items() if is_shim(path.read_text(encoding="utf-8"))) == []
    assert not {"mailer", "state", "summary", "plots", "metrics"} & set(MODULES)


@functools.lru_cache(maxsize=None)  # asked once per import statement of every caller
def own_names(module: str) -> frozenset[str]:
    """The names a fupin module defines itself (functions, classes, assignments) and its submodules."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    names = {sub.split(".")[-1] for sub in MODULES if sub.rpartition(".")[0] == (module if module != "__init__" else "")}
    if module == "__init__":
        names |= set(fupin.__all__)  # the front door: fupin.load, fupin.analyse, ... (imported lazily)
    for node in tree.body:
        for n in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(n.name)
            elif isinstance(n, (ast.Assign, ast.AnnAssign)):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                names |= {x.id for t in targets for x in ast.walk(t) if isinstance(x, ast.Name)}
    return frozenset(names)


def callers() -> dict[str, str]:
    """The Python source of the project's callers: the package, tests, benchmarks and notebooks."""
    root = PACKAGE.parents[1]
    sources = {str(p.relative_to(root)): p.read_text(encoding="utf-8")
               for folder in ("lib", "tests", "benchmarks") for p in sorted((root / folder).rglob("*.py"))}
    for p in sorted((root / "notebooks").glob("*.ipynb")):
        cells = json.loads(p.read_text(encoding="utf-8"))["cells"]
        sources[str(p.relative_to(root))] = "\n".join(
            "".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return sources


def test_every_caller_imports_a_name_from_its_home_module():
    """``from fupin.X import y`` only where X defines y: in the package, tests, benchmarks and notebooks."""
    wrong = []
    for where, source in callers().items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "fupin":
                module = "__init__" if node.module == "fupin" else node.module.removeprefix("fupin.")
                if module in MODULES:
                    wrong += [f"{where}:{node.lineno} {node.module}.{a.name}" for a in node.names
                              if a.name not in own_names(module)]
    assert wrong == []


def test_old_imports_name_the_new_import():
    """A notebook copied from 0.1.0 (a flat package) fails at the old import, naming the module to import."""
    from fupin.core.errors import RemovedName

    for old, new in [("mailer", "fupin.mail.send"), ("state", "fupin.core.run_state"), ("summary", "fupin.io.summary"),
                     ("plots", "fupin.report.charts"), ("metrics", "fupin.figures.analysis"),
                     ("followup", "fupin.report.workbook"), ("literal", "fupin.core.text")]:
        with pytest.raises(ModuleNotFoundError, match=f"^fupin.{old} 已移除，请改为：{new}"):
            importlib.import_module(f"fupin.{old}")
        with pytest.raises(ModuleNotFoundError, match=f"^fupin.{old} 已移除"):
            exec(f"from fupin.{old} import anything")  # as a copied notebook's cell
        with pytest.raises(AttributeError, match=new):
            getattr(fupin, old)
    with pytest.raises(RemovedName, match="请改为：from fupin.report.headline import title$"):
        exec("from fupin.report import title")  # fupin.report was a module of 0.1.0; it is a folder now
    with pytest.raises(ImportError, match="cannot import name 'nothing_of_the_kind'"):
        exec("from fupin.report import nothing_of_the_kind")
    charts = importlib.import_module("fupin.report.charts")  # a folder's modules import as usual
    assert charts.__name__ == "fupin.report.charts"


def test_every_old_module_is_named_and_its_new_home_exists():
    """Each 0.1.0 module of fupin.REMOVED_MODULES names a module that exists and none that is gone."""
    homes = {new.split("（")[0] for new in fupin.REMOVED_MODULES.values()}
    assert sorted(h for h in homes if h.removeprefix("fupin.") not in MODULES) == []
    assert sorted(old for old in fupin.REMOVED_MODULES if old.removeprefix("fupin.") in MODULES) == []
