"""One township's job and its execution in a worker's warm kernel (``fupin run`` and the Dask cluster).

A :class:`Job` is picklable; :func:`run_township` runs it in this process's
warm kernel (:mod:`fupin.batch.kernel`, reset between townships) and returns a
:class:`TownshipResult`. :mod:`fupin.batch.runner` (local worker processes) and
:mod:`fupin.batch.cluster` (Dask workers) both call it; neither is imported here.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fupin.core.config import TOWNSHIP_DOCX
from fupin.core.errors import UnsafePath, describe_os_error
from fupin.core.files import id_path, inside
from fupin.figures.parameters import Parameters
from fupin.core.run_state import STATE_DIR

def notebook_parameters(params: Parameters, township_id: str, data: Path, output_dir: Path | None = None,
                        extra: Mapping[str, object] | None = None) -> dict[str, object]:
    """The papermill parameters of one township's run (``output_dir``: its report folder): the area and
    the data, the figures' parameters (:meth:`fupin.figures.parameters.Parameters.notebook_values`) and
    ``extra``, the other ``-p`` parameters a notebook of the user's (``--notebooks``) declares.

    >>> from fupin.figures.parameters import report_parameters
    >>> sorted(notebook_parameters(report_parameters(year=2018), "990101001", Path("d")))[:4]
    ['bands', 'collective_income_line', 'data', 'growth']
    """
    return {"township_id": township_id, "year": params.year, "data": str(data),
            "output_dir": str(output_dir) if output_dir is not None else "",
            **params.notebook_values(), **dict(extra or {})}


@dataclass(frozen=True)
class Job:
    """One township's work, picklable for a spawned worker process."""

    township_id: str
    township_name: str
    parameters: dict[str, object]
    out_dir: Path
    notebooks_dir: Path
    notebooks: tuple[str, ...]
    start_timeout: float
    cell_timeout: float
    owned: tuple[str, ...] = ()  # file names in DIR/<township_id> a run of ours wrote (may be removed)
    office: str = ""  # the Word document's 落款 (--office; {乡镇} the township's name), "" for the default


@dataclass
class TownshipResult:
    """What became of one township."""

    township_id: str
    township_name: str
    ok: bool
    seconds: float
    files: list[str] = field(default_factory=list)
    notebook: str = ""  # the executed notebook to open when it failed
    error: str = ""
    skipped: bool = False  # inputs unchanged since the last complete run


@dataclass
class BatchResult:
    """The whole batch: per-township results and the county page's path.

    ``pdf_failed`` lists the pages ``--pdf`` could not print (which, and why:
    the batch failed); ``notes`` what the user is told once without a failure
    (no browser to print with).
    """

    out: Path
    results: list[TownshipResult]
    index: Path | None = None
    seconds: float = 0.0
    pdf_failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[TownshipResult]:
        return [r for r in self.results if not r.ok]

    @property
    def exit_status(self) -> int:
        return 1 if self.failed or self.pdf_failed else 0


_kernel = None  # this worker process's WarmKernel


def _exit_with_parent() -> None:
    """Stop this worker (and its kernel) as soon as the runner process is gone.

    A killed ``fupin run`` (even ``kill -9``) must not leave workers or
    kernels behind; ``multiprocessing`` workers do not notice on their own.
    """
    import threading
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        if _kernel is not None:
            _kernel.shutdown()
        os._exit(1)

    threading.Thread(target=watch, name="fupin-parent-watch", daemon=True).start()


def shutdown_kernel() -> None:
    """Shut this process's warm kernel down, if it has one (the next township starts a fresh one)."""
    if _kernel is not None:
        _kernel.shutdown()


def init_worker(notebooks_dir: Path, start_timeout: float, abort=None) -> None:
    """Worker start-up: start and prime a kernel, importing the worker's own libraries meanwhile.

    The kernel imports pandas, matplotlib and fupin (about a second) in its own
    process while this one imports papermill, nbconvert and the report's
    writers; the first township then pays for neither. ``abort`` (a
    multiprocessing Event) set by the runner means the batch will not run
    (bad input, nothing to do): the kernel is stopped at the next step, and
    the worker exits at the pool's shutdown.
    """
    global _kernel
    from fupin.core.startup import defer_iri_grammar

    defer_iri_grammar()  # before papermill imports jsonschema: see fupin.core.startup
    from fupin.batch.kernel import WarmKernel

    _exit_with_parent()
    _kernel = WarmKernel(notebooks_dir, start_timeout=start_timeout)
    atexit.register(_kernel.shutdown)

    def aborted() -> bool:
        if abort is not None and abort.is_set():
            _kernel.shutdown()
            return True
        return False

    if aborted():
        return
    try:
        _kernel.launch()
    except Exception:  # noqa: BLE001 - retried (and reported) by the first township
        _kernel.shutdown()
    if aborted():
        return
    _import_worker_libraries()
    if aborted():
        return
    try:
        _kernel.wait_primed(abort)
    except Exception:  # noqa: BLE001 - retried (and reported) by the first township
        _kernel.shutdown()
    aborted()


def _import_worker_libraries() -> None:
    """What :func:`run_township` imports, imported once at start-up.

    Not matplotlib, seaborn or IPython (about 0.35 s): the kernel draws the charts and leaves
    the Word document's pictures; :mod:`fupin.report.word` imports :mod:`fupin.report.charts` only to
    draw one that is missing (tests/test_startup.py).
    """
    import nbconvert  # noqa: F401  (export is needed for every township)
    import papermill  # noqa: F401

    from fupin.batch import papermill_engine  # noqa: F401
    from fupin.report import headline, html as export, national as reference, tables, word as docx_report  # noqa: F401


def _warm_kernel(job: Job):
    global _kernel
    from fupin.batch.kernel import WarmKernel

    if _kernel is None or _kernel.cwd != job.notebooks_dir:
        if _kernel is not None:
            _kernel.shutdown()
        _kernel = WarmKernel(job.notebooks_dir, start_timeout=job.start_timeout)
        atexit.register(_kernel.shutdown)
    _kernel.reset()
    return _kernel


def run_township(job: Job) -> TownshipResult:
    """Execute one township's notebooks and write its files (in a worker).

    Everything is produced in ``DIR/.fupin/tmp/<township>`` first (the
    executed notebook, and any file the notebook writes to its
    ``output_dir``) and moved into ``DIR/<township>`` by atomic renames, so
    the report folder only ever holds complete files.
    """
    from fupin.core.startup import defer_iri_grammar

    defer_iri_grammar()  # a Dask worker comes here without init_worker
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from fupin.core.config import METRICS_MIME
    from fupin.batch.papermill_engine import ENGINE
    from fupin.report.html import notebook_to_html
    from fupin.core.files import atomic_write_bytes, atomic_write_json, atomic_write_text
    from fupin.report.headline import title

    started = time.perf_counter()
    try:
        town_dir = id_path(job.out_dir, job.township_id)
        tmp = inside(job.out_dir, STATE_DIR, "tmp")
        staging = id_path(tmp, job.township_id)
    except UnsafePath as exc:  # checked before the batch; never write anywhere else
        return TownshipResult(job.township_id, job.township_name, False, 0.0, error=str(exc))
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "files").mkdir(parents=True)
    parameters = {**job.parameters, "output_dir": str(staging / "files")} if "output_dir" in job.parameters else job.parameters
    result = TownshipResult(job.township_id, job.township_name, True, 0.0)
    word = _EarlyWord(staging / "files", METRICS_MIME, job.office)
    try:
        html_parts: list[tuple[nbformat.NotebookNode, str]] = []
        for name in job.notebooks:
            executed = staging / name
            try:
                kernel = _warm_kernel(job)
                papermill.execute_notebook(
                    str(job.notebooks_dir / name), str(executed), parameters=parameters,
                    engine_name=ENGINE, km=kernel.km, kc=kernel.kc, kernel_name=kernel.kernel_name,
                    progress_bar=False, start_timeout=job.start_timeout,
                    execution_timeout=job.cell_timeout,
                    # papermill would rewrite the whole notebook (images and all) before and
                    # after every cell; it still saves at the end and when a cell fails.
                    request_save_on_cell_execute=False, failure_path=str(executed),
                    on_cell_executed=word.cell_executed,
                )
            except PapermillExecutionError as exc:
                result.ok = False
                result.error = f"{exc.ename}: {exc.evalue}（第{exc.exec_count}个代码单元）"
            except Exception as exc:  # kernel died, timed out, could not start
                result.ok = False
                result.error = describe_failure(exc, job.cell_timeout)
                words = "" if _timed_out(exc) or _kernel is None else _kernel.last_words()
                if words:  # why a kernel died or did not start, as it printed it
                    result.error += f"（内核最后输出：{words}）"
            if not result.ok and _kernel is not None:
                _kernel.shutdown()  # never reuse a kernel that failed; the next township gets a fresh one
            nb = _read_notebook(executed)  # None when the run could not even save it whole
            if nb is not None:
                final = atomic_write_bytes(id_path(job.out_dir, job.township_id, name), executed.read_bytes(), tmp)
                result.files.append(str(final))
                result.notebook = str(final)
            elif result.ok:
                result.ok, result.error = False, f"执行后的笔记本无法读取：{executed.name}"
            if not result.ok:
                _remove_stale(town_dir, job, keep=job.notebooks if nb is not None else ())
                return result
            html_parts.append((nb, name))
        metrics = next((m for nb, _ in html_parts if (m := _find_metrics(nb, METRICS_MIME))), None)
        if metrics is None:
            result.ok, result.error = False, "笔记本没有输出 metrics（缺少 fupin.report.show.emit_metrics 调用）"
            _remove_stale(town_dir, job, keep=job.notebooks)
            return result
        try:  # built before any file is written: a township's files are all there or none are
            # the notebook left the Word document's charts (300 dpi) in staging/files/docx-pictures,
            # which stays in the staging folder (only regular files travel below)
            docx = word.result(metrics)
        except Exception as exc:  # noqa: BLE001 - this township fails, the batch goes on
            result.ok, result.error = False, f"Word 文档生成失败：{type(exc).__name__}: {exc}"
            _remove_stale(town_dir, job, keep=job.notebooks)
            return result
        for extra in sorted((staging / "files").iterdir()):
            if extra.is_symlink() or not extra.is_file():
                continue  # only the notebook's own regular files travel into the report folder
            target = id_path(job.out_dir, job.township_id, extra.name)
            result.files.append(str(atomic_write_bytes(target, extra.read_bytes(), tmp)))
        target = id_path(job.out_dir, job.township_id, TOWNSHIP_DOCX)
        result.files.append(str(atomic_write_bytes(target, docx, tmp)))
        for nb, name in html_parts:
            first = name == job.notebooks[0]
            page = "report.html" if first else Path(name).with_suffix(".html").name
            target = id_path(job.out_dir, job.township_id, page)
            html = notebook_to_html(nb, title(metrics), docx_href=TOWNSHIP_DOCX if first else None)
            result.files.append(str(atomic_write_text(target, html, tmp)))
        result.files.append(str(atomic_write_json(id_path(job.out_dir, job.township_id, "metrics.json"), metrics, tmp)))
        return result
    except OSError as exc:  # disk full, permissions: this township fails, the batch goes on
        result.ok, result.error = False, describe_failure(exc, job.cell_timeout)
        return result
    except UnsafePath as exc:  # a link planted while the batch ran: write nothing through it
        result.ok, result.error = False, str(exc)
        return result
    finally:
        word.close()  # it reads the staging folder: done before that goes
        shutil.rmtree(staging, ignore_errors=True)
        result.seconds = time.perf_counter() - started


class _EarlyWord:
    """The township's Word document, built in a thread while the kernel runs the notebook's last cells.

    It needs the metrics (an output of an early cell) and the notebook's
    300 dpi pictures (:func:`fupin.report.word.township_charts`, written to the
    run's ``output_dir``). As soon as a finished cell leaves both, the document
    is built beside the kernel instead of after it. :meth:`result` gives that
    document when it was built from the notebook's final metrics, and builds it
    now otherwise (a notebook without the pictures, or different metrics).
    """

    def __init__(self, files: Path, mime: str, office: str = "") -> None:
        self.files, self.mime, self.office = files, mime, office
        self.metrics: dict | None = None
        self.future = None
        self._thread = None

    def cell_executed(self, cell, **_) -> None:
        """nbclient's hook after each cell."""
        if self.future is not None:
            return
        if self.metrics is None:
            self.metrics = next((dict(o["data"][self.mime]) for o in cell.get("outputs", [])
                                 if self.mime in o.get("data", {})), None)
        if self.metrics is None or not self._pictures_ready():
            return
        from concurrent.futures import ThreadPoolExecutor

        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fupin-word")
        self.future = self._thread.submit(self._build, self.metrics)

    def _pictures_ready(self) -> bool:
        from fupin.core.config import docx_picture
        from fupin.report.word import township_charts

        return all(docx_picture(self.files, name).is_file() for name in township_charts(self.metrics or {}))

    def _build(self, metrics: dict) -> bytes:
        from fupin.report.brief import office
        from fupin.report.word import document_bytes, township_document

        signed = office(metrics, self.office) if self.office else None
        return document_bytes(township_document(metrics, pictures=self.files, office=signed))

    def result(self, metrics: dict) -> bytes:
        if self.future is not None and self.metrics == metrics:
            return self.future.result()
        return self._build(metrics)

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)


def _timed_out(exc: BaseException) -> bool:
    """A cell ran past its time limit (nbclient's CellTimeoutError, or a TimeoutError)."""
    return type(exc).__name__ in {"CellTimeoutError", "TimeoutError"} or isinstance(exc, TimeoutError)


def describe_failure(exc: BaseException, cell_timeout: float) -> str:
    """A failure in the user's terms (timeout, dead kernel, full disk, ...)."""
    name = type(exc).__name__
    if _timed_out(exc):
        return f"超时：某个代码单元运行超过 {cell_timeout:g} 秒，已停止并关闭其内核（{exc}）"
    if name == "DeadKernelError":
        return f"内核意外退出（可能内存不足或被终止）：{exc}"
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    return f"{name}: {exc}"


def _remove_stale(town_dir: Path, job: Job, keep: Sequence[str]) -> None:
    """A failed township keeps only its executed notebooks, nothing from an earlier run.

    Only files a run writes are removed (``job.owned``, the notebooks and
    their HTML); anything else in the folder is not ours and stays. A
    symlink is removed as a link, never followed.
    """
    ours = {*job.owned, *job.notebooks, *(Path(n).with_suffix(".html").name for n in job.notebooks)}
    if town_dir.is_dir() and not town_dir.is_symlink():
        for path in town_dir.iterdir():
            if path.name in ours and path.name not in keep and (path.is_symlink() or path.is_file()):
                path.unlink(missing_ok=True)


def _read_notebook(path: Path):
    """The executed notebook, or None if it is missing or not a whole notebook."""
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return None


def _find_metrics(nb, mime: str) -> dict | None:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if mime in data:
                return dict(data[mime])
    return None
