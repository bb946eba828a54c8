"""Process start-up costs that are not ours to pay up front.

``nbformat`` (read by papermill, nbconvert and the runner) validates notebooks
with ``jsonschema``, which imports ``rfc3987_syntax`` when it is installed (it
is, through Jupyter's event schemas) to register its ``iri`` format checkers.
That module compiles a Lark grammar at import: about 0.75 s of CPU, in the
runner and again in every worker process, before any township runs. Notebook
schemas never use the ``iri`` formats, so :func:`defer_iri_grammar` puts a
stand-in module in its place whose ``is_valid_syntax`` imports the real module
on first call and forwards to it: every check still gives the real module's
answer, and a process that never checks an IRI never compiles the grammar.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

#: The module jsonschema imports for its ``iri`` and ``iri-reference`` format checkers.
IRI_MODULE = "rfc3987_syntax"

_lock = threading.Lock()


def defer_iri_grammar() -> bool:
    """Defer ``rfc3987_syntax``'s import until an IRI is first checked; True if deferred now.

    Does nothing (False) when the module is already imported or not installed.
    Call it before anything imports ``jsonschema``.

    >>> import sys
    >>> deferred = defer_iri_grammar()
    >>> defer_iri_grammar()  # a second call changes nothing
    False
    >>> from rfc3987_syntax import is_valid_syntax
    >>> is_valid_syntax("iri", "http://例子.测试/路径"), is_valid_syntax("iri", "not an iri")
    (True, False)
    >>> getattr(sys.modules["rfc3987_syntax"], "_fupin_stand_in", False)  # the real module now
    False
    """
    with _lock:
        if IRI_MODULE in sys.modules or importlib.util.find_spec(IRI_MODULE) is None:
            return False
        stand_in = types.ModuleType(IRI_MODULE, "Stand-in: imports rfc3987_syntax on first use (fupin.core.startup).")
        stand_in._fupin_stand_in = True  # type: ignore[attr-defined]

        def is_valid_syntax(*args, **kwargs):
            return _real().is_valid_syntax(*args, **kwargs)

        def forward(name: str):  # any other public name (PEP 562): the real module's
            if name.startswith("__"):
                raise AttributeError(name)
            return getattr(_real(), name)

        stand_in.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
        stand_in.__getattr__ = forward  # type: ignore[attr-defined]
        sys.modules[IRI_MODULE] = stand_in
        return True


def _real() -> types.ModuleType:
    """The real ``rfc3987_syntax``, imported in place of the stand-in (once)."""
    with _lock:
        module = sys.modules.get(IRI_MODULE)
        if module is None or getattr(module, "_fupin_stand_in", False):
            sys.modules.pop(IRI_MODULE, None)
            module = importlib.import_module(IRI_MODULE)
        return module
