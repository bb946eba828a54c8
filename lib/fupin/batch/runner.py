"""``fupin run``: the report notebooks once per township, then the county page.

The county is loaded and validated once (bad input stops everything before
any notebook runs, exit 2) and cut into per-township Parquet slices
(:mod:`fupin.batch.prepare`) under ``DIR/.fupin/prepared``. Worker processes then
take townships one by one: papermill executes the notebooks in the worker's
warm kernel (:mod:`fupin.batch.kernel`, reset between townships), the runner takes
``metrics.json`` from the notebook's hidden metrics output, exports the
HTML and the Word document (:mod:`fupin.report.word`, from the same
metrics), and writes every file atomically. A failing township is recorded with
the path of its executed notebook and never stops the others; its kernel is
replaced before the next township.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from pathlib import Path

from fupin.core.config import (
    COUNTY_PDF,
    NOTEBOOKS_DIR,
    REPORTS_DIR,
    TOWNSHIP_DOCX,
    TOWNSHIP_PDF,
)
from fupin.core.errors import UnsafePath, UsageError
from fupin.batch.jobs import (
    BatchResult,
    Job,
    TownshipResult,
    init_worker,
    notebook_parameters,
    run_township,
)
from fupin.core.files import SAFE_NAME_RULE, check_outputs, id_path, inside, is_safe_name, shown_value
from fupin.core.text import safe_text
from fupin.core.lock import FolderLock
from fupin.core.run_state import (
    COUNTY_FILES,
    LOCK_FILE,
    STATE_DIR,
    STATE_FILE,
    BatchState,
    RunRecord,
    check_fits,
    code_digest,
    data_digest,
    files_digest,
    inputs_digest,
    merged,
    township_folders,
)
from fupin.figures.parameters import AREA_PARAMETERS, PARAMETERS, Parameters, assigned_names, close_name, option_name

log = logging.getLogger("fupin.run")

#: The report notebooks, run in this order; each leaves its executed copy.
REPORT_NOTEBOOKS: tuple[str, ...] = ("township_report.ipynb",)
#: Files a run writes into ``DIR/<township_id>`` besides the executed notebooks and their HTML
#: (report.pdf with ``--pdf``); only these (and what the previous run recorded) are ever removed from there.
TOWNSHIP_OUTPUTS = ("report.html", "metrics.json", "follow_up.xlsx", TOWNSHIP_DOCX, TOWNSHIP_PDF)
#: Parameters the runner itself sets; users may pass others with ``-p``.
RUNNER_PARAMETERS = (*AREA_PARAMETERS, *(d.name for d in PARAMETERS if d.option))



def notebook_parameter_names(notebooks_dir: Path = NOTEBOOKS_DIR, notebooks: Sequence[str] = REPORT_NOTEBOOKS) -> set[str]:
    """Names assigned in the notebooks' ``parameters`` cells (the first cell so tagged, as papermill).

    Read as plain JSON and Python syntax: the runner needs no notebook library for it.

    >>> sorted(notebook_parameter_names())[:4]
    ['bands', 'collective_income_exit', 'collective_income_line', 'data']
    """
    names: set[str] = set()
    for name in notebooks:
        path = Path(notebooks_dir) / name
        if not path.is_file():
            raise UsageError(f"找不到报告笔记本：{path}")
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            cell = next((c for c in cells if c.get("cell_type") == "code"
                         and "parameters" in c.get("metadata", {}).get("tags", [])), None)
            source = "" if cell is None else cell["source"]
            names |= assigned_names("".join(source) if isinstance(source, list) else source)
        except (ValueError, KeyError, TypeError, SyntaxError) as exc:
            raise UsageError(f"报告笔记本 {path} 无法读取其参数单元：{exc}") from exc
    return names


def check_parameter_names(extra: Mapping[str, object], declared: set[str], passed: Sequence[str] = ()) -> None:
    """Refuse (exit 2, before anything runs) a parameter name the notebooks do not declare (papermill only warns).

    ``extra`` are the user's ``-p`` parameters: an unknown name is refused with
    the closest declared one, a name of the runner's own with its option.
    ``passed`` are the names the runner itself passes: a notebook (``--notebooks``)
    that does not declare one would run with its own default instead.
    """
    unknown = sorted(set(extra) - declared)
    if unknown:
        shown = "、".join(f"{n}{close_name(n, declared)}" for n in unknown)
        raise UsageError(f"未知的笔记本参数：{shown}。可用参数：{', '.join(sorted(declared))}")
    clash = sorted(set(extra) & set(RUNNER_PARAMETERS))
    if clash:
        options = "、".join(option_name(n) for n in clash if n not in AREA_PARAMETERS)
        raise UsageError(f"参数 {', '.join(clash)} 请用对应的命令行选项设置（{options or '如 --year、--poverty-line'}）")
    undeclared = sorted(set(passed) - declared)
    if undeclared:
        raise UsageError(f"报告笔记本的参数单元没有声明 fupin run 要传入的参数：{', '.join(undeclared)}"
                         "（否则笔记本会按自己的默认值运行）；请在参数单元中加入它们，或使用项目自带的 notebooks/")


def default_workers(jobs: int) -> int:
    """One kernel per core, no more than there are townships."""
    return max(1, min(os.cpu_count() or 1, jobs))


def run_batch(
    data: Path,
    params: Parameters,
    out: Path | None = None,
    townships: Sequence[str] | None = None,
    workers: int | None = None,
    *,
    notebooks_dir: Path = NOTEBOOKS_DIR,
    notebooks: Sequence[str] = REPORT_NOTEBOOKS,
    start_timeout: float = 120.0,
    cell_timeout: float = 600.0,
    progress: bool = True,
    cluster: str | None = None,
    force: bool = False,
    replace: bool = False,
    extra: Mapping[str, object] | None = None,
    pdf: bool = False,
    office: str = "",
    county_office: str = "",
) -> BatchResult:
    """Run every (or each named) township's report, then write the county page.

    ``params`` are the checked figures' parameters (:func:`fupin.figures.parameters.report_parameters`);
    ``extra`` the other ``-p`` parameters, which the notebooks must declare.

    Raises :class:`~fupin.core.errors.DataError` or :class:`~fupin.core.errors.UsageError`
    before any notebook runs when the input or the options are bad. A
    township whose inputs (data slice, notebooks, parameters, code) are
    unchanged since its last complete run is skipped unless ``force``.

    ``out`` holds one run (:mod:`fupin.core.run_state`): a run with other data or
    other parameters than the folder's is refused (UsageError) unless
    ``replace``, which first removes what fupin wrote there that does not
    belong to this run. A run of some townships (``townships``) keeps the
    folder's others, and the county page covers them all.
    On a first run into ``out`` the worker processes start (and start their
    kernels) first, while the county is loaded and checked; they are stopped
    if nothing is to run. A rerun (``out`` has a run's state) starts them
    only for the townships that changed.

    ``office`` and ``county_office`` are the 落款 of the townships' and the
    county's Word documents (:func:`fupin.report.brief.office`; "" for the default).
    With ``pdf`` the pages are then printed to A4 PDF beside them
    (:func:`print_pdfs`), by one browser in this process.
    """
    started = time.perf_counter()
    extra = dict(extra or {})
    check_parameter_names(extra, notebook_parameter_names(notebooks_dir, notebooks),
                          passed=notebook_parameters(params, "", Path(), Path()))
    if workers is not None and workers < 1:
        raise UsageError("--workers 应为正整数")
    if cluster:
        from fupin.batch.cluster import parse_address

        parse_address(cluster)  # a bad address is refused before the county is loaded
    pools: list[WorkerPool] = []

    def start_workers(jobs: int) -> WorkerPool:
        if not pools:
            pools.append(WorkerPool(workers or default_workers(jobs), Path(notebooks_dir), start_timeout))
        return pools[0]

    first_run = not (Path(out or REPORTS_DIR / str(params.year)) / STATE_DIR / STATE_FILE).is_file()
    if first_run and not cluster:  # the workers start their kernels while this process loads the county
        start_workers(len(set(townships)) if townships else os.cpu_count() or 1)
    try:
        batch = _run_batch(data, params, extra, out, townships, pools, start_workers, notebooks_dir=notebooks_dir,
                           notebooks=notebooks, start_timeout=start_timeout, cell_timeout=cell_timeout,
                           progress=progress, cluster=cluster, force=force, replace=replace, started=started,
                           pdf=pdf, office=office, county_office=county_office)
    except BaseException:
        for pool in pools:  # the error is reported at once; the process waits for them at its exit
            pool.stop()
        raise
    for pool in pools:
        pool.close()
    return batch


def _run_batch(
    data: Path, params: Parameters, extra: dict[str, object], out: Path | None, townships: Sequence[str] | None,
    pools: "list[WorkerPool]", start_workers: "Callable[[int], WorkerPool]", *, notebooks_dir: Path,
    notebooks: Sequence[str], start_timeout: float, cell_timeout: float, progress: bool,
    cluster: str | None, force: bool, replace: bool, started: float, pdf: bool = False,
    office: str = "", county_office: str = "",
) -> BatchResult:
    from fupin.figures.analysis import check_year_in_data
    from fupin.io.loading import load

    data = Path(data).resolve()
    out = Path(out or REPORTS_DIR / str(params.year)).resolve()
    check_outputs({"--out": out}, data, [Path(notebooks_dir) / n for n in notebooks])
    county = load(data)
    check_year_in_data(county, params.year, shown=f"--year {params.year}", strict=True)
    if county.monitored is not None:  # the registry needs M(Y): a table of lines must reach back to Y
        from fupin.figures.registry import monitoring_lines

        monitoring_lines(params.monitoring_line, params.poverty_line, params.year)
    names = dict(county.townships()[["township_id", "township_name"]].itertuples(index=False))
    wanted = list(dict.fromkeys(township_ids(county, townships))) if townships else list(names)
    check_township_ids(wanted)
    record = run_record(data, county, params, extra, {t: names[t] for t in wanted}, Path(notebooks_dir), notebooks)
    fits = dict(data_townships=list(names), partial=set(wanted) != set(names), replace_folder=replace, spell=option_name)
    check_fits(out, BatchState(out / STATE_DIR), record, **fits)  # before anything is written into out
    check_out_folder(out, wanted)
    _prepare_out(out)
    with FolderLock(inside(out, STATE_DIR, LOCK_FILE), "fupin run"):
        log.info("开始：%s，%d 个乡镇，报告文件夹 %s", data, len(wanted), out)
        tmp = _clean_tmp(out)
        state = BatchState(inside(out, STATE_DIR))
        check_fits(out, state, record, **fits)  # as the folder is now that this run holds it
        if replace:
            _clear_folder(out, state, keep=set(wanted), notebooks=notebooks)
        state.run = merged(state, record, replace)
        check_out_folder(out, list(state.run.townships))
        state.save(tmp)
        from fupin.batch.prepare import prepare
        from fupin.io.slices import read_manifest

        slices = prepare(county, inside(out, STATE_DIR, "prepared"), wanted, tmp_dir=tmp)
        jobs, skipped = [], []
        for t in wanted:
            owned = tuple(dict.fromkeys([*TOWNSHIP_OUTPUTS, *state.files(t)]))
            job = Job(t, names[t], notebook_parameters(params, t, slices[t], id_path(out, t), extra), out, Path(notebooks_dir),
                      tuple(notebooks), start_timeout, cell_timeout, owned, office)
            signed = {"office": office} if office else {}  # another 落款 is another report.docx
            digest = inputs_digest(read_manifest(slices[t])["digest"],
                                   [job.notebooks_dir / n for n in job.notebooks], {**job.parameters, **signed})
            if not force and state.is_current(t, digest, _expected_files(job)):
                skipped.append(TownshipResult(t, names[t], True, 0.0, skipped=True))
                log.info("%s %s 跳过：输入未变化", t, names[t])
            else:
                jobs.append((job, digest))

        def done(result: TownshipResult) -> None:
            state.record(result.township_id, digests[result.township_id], result.ok, result.seconds, tmp,
                         files=[Path(f).name for f in result.files])
            if result.ok:
                log.info("%s %s 完成 %.1f秒", result.township_id, result.township_name, result.seconds)
            else:
                log.error("%s %s 失败 %.1f秒：%s；执行记录 %s", result.township_id, result.township_name,
                          result.seconds, result.error, result.notebook or "无")

        digests = {job.township_id: digest for job, digest in jobs}
        todo = [job for job, _ in jobs]
        if pools and not todo:
            pools[0].stop()  # nothing for the workers: they stop while the county page is written
        results: list[TownshipResult] = []
        from fupin.figures.analysis import analyse

        # The county's own figures need no township's result: computed here while the workers run,
        # then the county page's parts that need none either (its charts are drawn in this side
        # thread alone: the main thread draws nothing until the side thread has finished).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fupin-county") as side:
            county_summary = side.submit(lambda: analyse(county, params).metrics)

            def county_page_parts():
                from fupin.batch.county_page import prepare_county_page

                return prepare_county_page(county, params, county_summary.result())

            county_page = side.submit(county_page_parts)
            if todo and cluster:
                from fupin.batch.cluster import execute_on_cluster

                results = execute_on_cluster(todo, cluster, progress, done)
            elif todo:
                results = _execute(todo, start_workers(len(todo)), progress, done)
            prepared = county_page.result()
        results = sorted(results + skipped, key=lambda r: r.township_id)
        # the county page covers every township of the folder: the others as their last run left them
        page = sorted(results + _kept(out, state, set(wanted), notebooks), key=lambda r: r.township_id)

        from fupin.batch.county_page import write_county_page

        index = write_county_page(out, county, params, page, tmp_dir=tmp, prepared=prepared, office=county_office)
        from fupin.report.audit_workbook import write_audit_workbook

        write_audit_workbook(out, county, params, prepared.summary, tmp_dir=tmp)  # the office's 数据核查
        state.run = dataclasses.replace(state.run, unfinished=())
        state.save(tmp)
        batch = BatchResult(out, results, index)
        print_pdfs(batch, pdf, tmp)
        batch.seconds = time.perf_counter() - started
        log.info("结束：完成 %d，跳过 %d，失败 %d，用时 %.1f秒", len(results) - len(batch.failed) - len(skipped),
                 len(skipped), len(batch.failed), batch.seconds)
        return batch


def print_pdfs(batch: BatchResult, pdf: bool, tmp: Path) -> None:
    """The batch's PDFs (``--pdf``), printed after every township, by one browser (:mod:`fupin.report.pdf`).

    A PDF never outlives its page: the PDF of a page this run rewrote (every
    township run again, the county page) is removed first, and printed again
    only with ``pdf``. A skipped township keeps its PDF (its page is
    unchanged) and gets one when it has none. A page that fails to print is
    listed in ``batch.pdf_failed`` and the others are printed; when no
    browser can print, ``batch.notes`` says so once and nothing fails.
    """
    from fupin.report.pdf import print_pages

    out, pages, names = batch.out, {}, {}
    for r in batch.results:
        if not r.ok:
            continue  # a failed township's PDF went with its other files
        html, target = id_path(out, r.township_id, "report.html"), id_path(out, r.township_id, TOWNSHIP_PDF)
        if not r.skipped:
            target.unlink(missing_ok=True)  # the page changed (a link is removed, never followed)
        if pdf and not target.exists():
            pages[html], names[html] = target, f"{r.township_name}（{r.township_id}）"
    county = inside(out, COUNTY_PDF)
    county.unlink(missing_ok=True)
    if pdf and batch.index is not None:
        pages[batch.index], names[batch.index] = county, "县汇总页"
    printed = print_pages(pages, tmp_dir=tmp)
    if printed.missing:
        batch.notes.append(printed.missing)
        log.warning("%s", printed.missing)
    for html, error in printed.failed.items():
        batch.pdf_failed.append(f"{names[html]}：{error}")
        log.error("PDF 生成失败：%s：%s", names[html], error)
    if printed.written:
        log.info("PDF：%d 个", len(printed.written))


def run_record(data: Path, county, params: Parameters, extra: Mapping[str, object], townships: Mapping[str, str], notebooks_dir: Path,
               notebooks: Sequence[str]) -> RunRecord:
    """This run's record (:class:`fupin.core.run_state.RunRecord`): data, parameters, notebooks, code, townships."""
    from fupin.report.tables import code_version

    parameters = {k: v for k, v in notebook_parameters(params, "", Path(), extra=extra).items()
                  if k not in AREA_PARAMETERS}
    return RunRecord(
        data=str(data), county=county.name,
        data_digest=data_digest((table, s.sheet or "", s.sha256) for table, s in county.sources.items()),
        parameters=parameters, notebooks=files_digest(Path(notebooks_dir) / n for n in notebooks),
        code=code_version(), code_digest=code_digest(), townships={str(t): str(n) for t, n in townships.items()},
    )


def _own_names(notebooks: Sequence[str]) -> set[str]:
    """The file names a run writes into a township's folder (besides what state.json lists)."""
    pages = {"report.html", *(Path(n).with_suffix(".html").name for n in notebooks)}
    return {*TOWNSHIP_OUTPUTS, *REPORT_NOTEBOOKS, *notebooks, *pages}


def _clear_folder(out: Path, state: BatchState, keep: set[str], notebooks: Sequence[str]) -> None:
    """``--replace``: remove what fupin wrote into ``out`` that this run will not rewrite.

    The townships not in this run lose their report files (and their folder
    when nothing else is left in it), their prepared slice and their entry in
    state.json; the county page goes (this run writes it again). Only files
    fupin writes are removed; anything else in the folder stays. Every path
    is checked first, so a planted link stops the run before anything is removed.
    """
    gone = (set(state.townships) | set(state.run.townships if state.run else ()) | set(township_folders(out))) - keep
    files: list[Path] = [inside(out, name) for name in COUNTY_FILES]
    folders, slices = [], []
    for t in sorted(gone):
        if not is_safe_name(t):
            continue
        town = id_path(out, t)
        if town.is_dir():
            folders.append(town)
            files += [town / n for n in sorted(_own_names(notebooks) | set(state.files(t)))]
        slices.append(inside(out, STATE_DIR, "prepared", t))
    for path in files:
        if path.is_symlink() or path.is_file():
            path.unlink()  # a link is removed, never followed
    for town in folders:
        try:
            town.rmdir()
        except OSError:
            pass  # it holds files fupin did not write: they stay
    for path in slices:
        shutil.rmtree(path, ignore_errors=True)
    for t in gone:
        state.forget(t)
    log.info("替换：删除 %d 个不属于本次运行的乡镇的报告", len(gone))


def _kept(out: Path, state: BatchState, ran: set[str], notebooks: Sequence[str]) -> list[TownshipResult]:
    """The folder's townships this run did not run, as their last run left them (for the county page)."""
    kept = []
    for t, name in (state.run.townships if state.run else {}).items():
        if t in ran:
            continue
        ok = state.townships.get(t, {}).get("ok") is True and id_path(out, t, "metrics.json").is_file()
        notebook = id_path(out, t, notebooks[0])
        kept.append(TownshipResult(
            t, name, ok, 0.0, skipped=True, notebook=str(notebook) if not ok and notebook.is_file() else "",
            error="" if ok else "上次运行未能生成该乡镇的报告，本次未重跑（可用 --township 重跑它）",
        ))
    return kept


def _expected_files(job: Job) -> list[Path]:
    town = id_path(job.out_dir, job.township_id)
    return [town / "report.html", town / TOWNSHIP_DOCX, town / "metrics.json", *(town / n for n in job.notebooks)]


def township_ids(county, keys: Sequence[object]) -> list[str]:
    """The ids of the townships ``keys`` name (each an id or an exact name, :func:`fupin.core.county.township_key`).

    Every key the data does not hold (or a name several townships share) is
    listed in one :class:`~fupin.core.errors.UsageError`, each with the choices as
    ``代码 名称``.
    """
    from fupin.core.errors import UnknownTownshipError

    found, problems = [], []
    for key in keys:
        try:
            found.append(county.township_id(key))
        except UnknownTownshipError as exc:
            problems.append(f"--township {exc}")
    if problems:
        raise UsageError("\n".join(dict.fromkeys(problems)))
    return found


def check_township_ids(township_ids: Sequence[str]) -> None:
    """Refuse (exit 2, before anything is written) ids that cannot name a report folder.

    Validation refuses them too; this holds whatever reached the runner.
    Ids equal but for case would share one folder on Windows and macOS.

    >>> check_township_ids(["990101001", "990101002"])
    >>> check_township_ids(["990101001", "../../x"])
    Traceback (most recent call last):
    fupin.core.errors.UnsafePath: 乡镇代码 「../../x」 不能用作报告文件夹名（只能由1到32个英文字母、数字、-、_组成），未写入任何文件
    """
    bad = [t for t in township_ids if not is_safe_name(t)]
    if bad:
        shown = "、".join(f"「{shown_value(t)}」" for t in bad[:10]) + ("等" if len(bad) > 10 else "")
        raise UnsafePath(f"乡镇代码 {shown} 不能用作报告文件夹名（{SAFE_NAME_RULE}），未写入任何文件")
    folded: dict[str, str] = {}
    for t in township_ids:
        if t.casefold() in folded:
            raise UnsafePath(f"乡镇代码 {folded[t.casefold()]} 与 {t} 只有大小写不同，在 Windows 上会写入同一个报告文件夹")
        folded[t.casefold()] = t


def check_out_folder(out: Path, township_ids: Sequence[str]) -> None:
    """Refuse (exit 2, nothing written) a report folder where a run would follow a symlink out of DIR.

    Every path the run writes or deletes under ``out`` is checked with
    :func:`fupin.core.files.inside`: the runner's ``.fupin`` folder and its
    parts, the county page, each township's folder, its files and its slice.
    """
    paths: list[tuple[str, ...]] = [
        (STATE_DIR,), (STATE_DIR, "tmp"), (STATE_DIR, "prepared"), (STATE_DIR, LOCK_FILE), (STATE_DIR, STATE_FILE),
        *((name,) for name in COUNTY_FILES),
    ]
    for t in township_ids:
        paths += [(t,), (STATE_DIR, "prepared", t)]
        town = out / t
        if town.is_dir() and not town.is_symlink():
            paths += [(t, p.name) for p in town.iterdir()]
    problems = []
    for parts in paths:
        try:
            inside(out, *parts)
        except UnsafePath as exc:
            problems.append(str(exc))
    state_dir = out / STATE_DIR
    if state_dir.exists() and not state_dir.is_dir():
        problems.append(f"{state_dir} 应为文件夹（fupin run 的工作文件夹）")
    if problems:
        raise UnsafePath("；".join(dict.fromkeys(problems)))


def _clean_tmp(out: Path) -> Path:
    """The runner's scratch folder in DIR, emptied of what a killed run left (never through a link)."""
    tmp = inside(out, STATE_DIR, "tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True, exist_ok=True)
    return inside(out, STATE_DIR, "tmp")


def _prepare_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        inside(out, STATE_DIR).mkdir(exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=inside(out, STATE_DIR), prefix="write-test.", delete=True)
        probe.close()
    except OSError as exc:
        raise UsageError(f"无法写入报告文件夹 {out}：{exc.strerror or exc}") from exc


class WorkerPool:
    """The batch's worker processes (spawned), each starting its warm kernel at once.

    Started before the county is loaded, so that a worker's start-up (about
    2 s: the kernel and its imports) overlaps the runner's. :meth:`close`
    stops them: when no township was given to them (bad input, nothing
    changed), they are told to stop their kernels at the next step of their
    start-up instead of finishing it.
    """

    def __init__(self, workers: int, notebooks_dir: Path, start_timeout: float) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.abort = ctx.Event()
        self.used = False
        self._stopping: threading.Thread | None = None
        self.executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=init_worker,
            initargs=(notebooks_dir, start_timeout, self.abort),
        )
        for _ in range(min(workers, os.cpu_count() or 1)):
            self.executor.submit(int)  # spawns a worker now (a spawned pool starts one per task)

    def stop(self) -> None:
        """Shut the workers down in the background (unused ones stop their start-up); :meth:`close` waits."""
        if not self.used:
            self.abort.set()
        if self._stopping is None:
            self._stopping = threading.Thread(
                target=self.executor.shutdown, kwargs={"wait": True, "cancel_futures": True},
                name="fupin-workers-stop",
            )
            self._stopping.start()

    def close(self) -> None:
        """Stop the workers and wait until they (and their kernels) are gone."""
        self.stop()
        self._stopping.join()


def _execute(
    jobs: list[Job], pool: WorkerPool, progress: bool, done: Callable[[TownshipResult], None] = lambda r: None
) -> list[TownshipResult]:
    from tqdm import tqdm

    results: list[TownshipResult] = []
    bar = tqdm(total=len(jobs), desc="乡镇报告", unit="个", disable=not progress, leave=True)
    pool.used = True
    futures = {pool.executor.submit(run_township, job): job for job in jobs}
    for future in as_completed(futures):
        job = futures[future]
        try:
            result = future.result()
        except Exception as exc:  # a worker process died: record, go on
            result = TownshipResult(job.township_id, job.township_name, False, 0.0,
                                    error=f"工作进程异常退出：{type(exc).__name__}: {exc}")
        results.append(result)
        done(result)
        bar.set_postfix_str(f"{safe_text(result.township_name)}{'' if result.ok else ' 失败'}")
        bar.update(1)
    bar.close()
    pool.stop()  # the workers stop their kernels while the county page is written
    return results
