"""The import structure of the package (docs/architecture.md): layers imported only downwards, batch
and mail apart, no cycles between fupin modules, no private names taken across modules (imports inside
functions and under TYPE_CHECKING count as well); every exception class in errors.py."""

import ast
import builtins
import subprocess
import sys
from pathlib import Path

import fupin

PACKAGE = Path(fupin.__file__).parent


def module_name(path: Path) -> str:
    """``mail/send.py`` -> ``mail.send``, ``mail/__init__.py`` -> ``mail``, ``metrics.py`` -> ``metrics``."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}

#: The layers, from the bottom up (docs/architecture.md). A module imports only modules of its own
#: layer or below; batch and mail sit side by side and never import each other.
ORDER = {"base": 0, "contract": 1, "io": 2, "figures": 3, "report": 4, "batch": 5, "mail": 5, "cli": 6}
LAYERS = {
    "base": ["__init__", "config", "errors", "money", "literal", "formats", "fsutil", "lock", "run_state", "startup"],
    "contract": ["columns", "county", "privacy", "labels"],
    "io": ["schema", "loading", "slices", "generate"],
    "figures": ["parameters", "frame", "economy", "headcount", "depth", "sensitivity", "monitoring", "checks",
                "analysis", "metrics"],
    "report": ["style", "narrative", "report", "tables", "plots", "display", "export", "county_table",
               "followup", "docx_report", "reference", "data_summary", "summary"],
    "batch": ["kernel", "engine", "kernel_state", "jobs", "cluster", "prepare", "state", "county_page",
              "runner"],
    "mail": ["mail", "mail.config", "mail.folder", "mail.content", "mail.message", "mail.ledger", "mail.smtp",
             "mail.send", "mailer"],
    "cli": ["commands", "cli", "__main__"],
}
LAYER_OF = {module: layer for layer, modules in LAYERS.items() for module in modules}

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
    """Every import of a higher layer, or between batch and mail, as 'a (layer) -> b (layer)'."""
    bad = []
    for a in sorted(edges):
        for b in sorted(edges[a]):
            la, lb = layer_of[a], layer_of[b]
            if ORDER[lb] > ORDER[la] or {la, lb} == {"batch", "mail"}:
                bad.append(f"{a} ({la}) -> {b} ({lb})")
    return bad


def test_every_module_is_assigned_to_a_layer():
    unassigned = sorted(set(MODULES) - set(LAYER_OF))
    assert not unassigned, (
        f"fupin modules without a layer: {unassigned}. Add each to LAYERS in tests/test_architecture.py "
        "(the lowest layer whose modules are all it imports) and to the layers table of docs/architecture.md.")
    assert sorted(set(LAYER_OF) - set(MODULES)) == [], "a module in LAYERS that no longer exists"
    assert len(LAYER_OF) == sum(map(len, LAYERS.values())), "a module assigned to two layers"


def test_no_module_imports_a_higher_layer_and_batch_and_mail_stay_apart():
    edges = imports()[0]
    if set(MODULES) - set(LAYER_OF):
        return  # reported by test_every_module_is_assigned_to_a_layer
    bad = wrong_way(edges, LAYER_OF)
    known = {f"{a} ({LAYER_OF[a]}) -> {b} ({LAYER_OF[b]})" for a, b in KNOWN_WRONG_WAY}
    assert sorted(set(bad) - known) == []
    assert sorted(known - set(bad)) == [], "gone: remove it from KNOWN_WRONG_WAY"


def test_layer_check_sees_a_wrong_way_import():
    layer_of = {"m": "figures", "s": "report", "r": "batch", "e": "mail", "c": "contract"}
    edges = {"m": {"s", "c"}, "s": {"m"}, "r": {"e", "s"}, "e": {"s"}, "c": set()}
    assert wrong_way(edges, layer_of) == ["m (figures) -> s (report)", "r (batch) -> e (mail)"]


def test_mail_imports_no_batch_module():
    edges = imports()[0]
    batch = set(LAYERS["batch"])
    assert {m: sorted(edges[m] & batch) for m in LAYERS["mail"] if m in MODULES and edges[m] & batch} == {}
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
    assert sorted((m, cls) for (m, cls) in classes if cls in exceptions and m != "errors") == []


RENAMED = """
import warnings
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    from fupin.mailer import Ledger, load_config, send_reports
    from fupin.state import BatchState, FolderLock
    from fupin.summary import township_summary
import fupin.data_summary, fupin.lock, fupin.mail.config, fupin.mail.ledger, fupin.mail.send, fupin.run_state
assert load_config is fupin.mail.config.load_config and send_reports is fupin.mail.send.send_reports
assert Ledger is fupin.mail.ledger.Ledger and FolderLock is fupin.lock.FolderLock
assert BatchState is fupin.run_state.BatchState and township_summary is fupin.data_summary.township_summary
print(sorted(str(w.message).split()[0] for w in caught if w.category is DeprecationWarning))
"""


def test_renamed_modules_keep_old_imports_working_and_warn():
    """fupin.mailer, fupin.state and fupin.summary: old imports of copied notebooks and scripts."""
    proc = subprocess.run([sys.executable, "-c", RENAMED], capture_output=True, text=True, encoding="utf-8",
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['fupin.mailer', 'fupin.state', 'fupin.summary']"
