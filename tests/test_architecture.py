"""The import structure of the package: no cycles between fupin modules, no private names taken
across modules (imports inside functions and under TYPE_CHECKING count as well); every exception
class in errors.py."""

import ast
import builtins
from pathlib import Path

import fupin

PACKAGE = Path(fupin.__file__).parent
MODULES = {p.stem: p for p in PACKAGE.glob("*.py")}

def imports() -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    """Each module's fupin imports, and every (importer, module, private name) taken."""
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    private = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges[name] |= {a.name.split(".")[1] for a in node.names if a.name.startswith("fupin.")}
            elif isinstance(node, ast.ImportFrom) and node.module == "fupin":
                edges[name] |= {a.name for a in node.names if a.name in MODULES}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fupin."):
                target = node.module.split(".")[1]
                edges[name].add(target)
                private += [(name, target, a.name) for a in node.names
                            if a.name.startswith("_") and target != name]
    return {m: t & MODULES.keys() - {m} for m, t in edges.items()}, private


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
    assert sorted((m, cls) for (m, cls) in classes if cls in exceptions and m != "errors") == []
