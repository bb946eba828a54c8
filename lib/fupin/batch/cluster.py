"""``fupin run --cluster``: the townships on a Dask distributed cluster.

The runner loads, validates and prepares the county as for a local run; this
module only replaces the local process pool. :func:`execute_on_cluster`
connects to a running Dask scheduler (``tcp://host:8786``) or starts a
private one on this machine (``local:N``), sends the townships out in
batches (:func:`batch_size`) and collects one
:class:`~fupin.batch.jobs.TownshipResult` per township, exactly as the local
loop does. Each batch is a Dask task, :func:`run_township_batch`, that calls
:func:`fupin.batch.jobs.run_township` for each of its townships in the worker
process's warm kernel, which stays warm from task to task and is shut down
when the run ends or the worker closes (:class:`KernelCleanup`).

Workers write each township's files straight into the report folder, so the
report folder, the notebooks and the data must be at the same absolute path
on every worker (docs/cluster.md). That, and the fupin version, is checked on
every worker before the first township is sent.

A notebook that fails is an ordinary result (``ok=False``) and is not
retried. A batch whose worker dies is rescheduled by the Dask scheduler on
another worker (up to ``distributed.scheduler.allowed-failures`` times); a
batch that raises is retried :data:`RETRIES` times. What still fails is
recorded against each of the batch's townships, as the local loop records a
dead worker process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from distributed import WorkerPlugin

from fupin.core.errors import UsageError
from fupin.batch.jobs import Job, TownshipResult, run_township, shutdown_kernel

#: Seconds to wait for the scheduler to answer.
CONNECT_TIMEOUT = 15.0
#: Seconds to wait for the first worker to join a scheduler that has none.
WORKER_TIMEOUT = 60.0
#: Tasks per worker process: enough for the fast ones to take over the tail.
TASKS_PER_WORKER = 4
#: Extra attempts of a batch that raised (a lost worker is rescheduled anyway).
RETRIES = 2

_HELP = "见 docs/cluster.md"


@dataclass(frozen=True)
class ClusterAddress:
    """Where the townships run: a scheduler's address, or N workers on this machine."""

    scheduler: str | None = None  # e.g. "tcp://10.0.0.5:8786"
    local_workers: int | None = None  # local:N

    def __str__(self) -> str:
        return self.scheduler or f"local:{self.local_workers}"


def parse_address(text: str) -> ClusterAddress:
    """Read ``--cluster``: ``tcp://host:port`` (or ``host:port``, ``tls://…``) or ``local:N``.

    >>> parse_address("local:4")
    ClusterAddress(scheduler=None, local_workers=4)
    >>> parse_address("10.0.0.5:8786").scheduler
    'tcp://10.0.0.5:8786'
    """
    text = text.strip()
    if text.lower().startswith("local"):
        match = re.fullmatch(r"local:(\d+)", text, re.IGNORECASE)
        if not match or int(match.group(1)) < 1:
            raise UsageError(f"--cluster {text}：本机集群应写成 local:N，N 为工作进程数（正整数），如 local:4")
        return ClusterAddress(local_workers=int(match.group(1)))
    match = re.fullmatch(r"(?:(tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-]+):(\d{1,5})/?", text)
    if not match or not 0 < int(match.group(3)) < 65536:
        raise UsageError(
            f"--cluster {text}：应为 Dask 调度器的地址 tcp://主机:端口（如 tcp://10.0.0.5:8786），"
            f"或 local:N 在本机启动 N 个工作进程（{_HELP}）"
        )
    scheme, host, port = match.groups()
    return ClusterAddress(scheduler=f"{(scheme or 'tcp').lower()}://{host}:{int(port)}")


def batch_size(townships: int, workers: int, tasks_per_worker: int = TASKS_PER_WORKER) -> int:
    """Townships per task: ``ceil(townships / (workers * tasks_per_worker))``, at least 1.

    Each worker process gets about ``tasks_per_worker`` tasks: few enough that
    scheduling costs nothing next to a township, many enough that a worker
    done early takes over from a slow one at the end.

    >>> batch_size(40, 2), batch_size(7, 2), batch_size(1000, 16), batch_size(0, 3)
    (5, 1, 16, 1)
    """
    return max(1, math.ceil(townships / (max(1, workers) * tasks_per_worker)))


def batches(jobs: Sequence[Job], size: int) -> list[list[Job]]:
    """``jobs`` cut into consecutive lists of ``size`` (the last may be shorter)."""
    return [list(jobs[i:i + size]) for i in range(0, len(jobs), size)]


# ----------------------------------------------------------------------------- in the worker process

_kernel_thread: ThreadPoolExecutor | None = None
_kernel_thread_lock = threading.Lock()


def _on_kernel_thread(fn, *args) -> Future:
    """Run ``fn`` on this process's one kernel thread.

    The warm kernel (``fupin.batch.jobs``' module-level one) and its event loop
    live on a single thread, and only one township runs in it at a time,
    whichever Dask thread the task arrived on.
    """
    global _kernel_thread
    with _kernel_thread_lock:
        if _kernel_thread is None:
            _kernel_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fupin-kernel")
        return _kernel_thread.submit(fn, *args)


def _run_jobs(jobs: list[Job]) -> list[TownshipResult]:
    return [run_township(job) for job in jobs]


def run_township_batch(jobs: Sequence[Job]) -> list[TownshipResult]:
    """The Dask task: run ``jobs`` one after another in this worker's warm kernel.

    A township whose notebook fails comes back with ``ok=False``; only
    trouble outside the notebook (a folder that cannot be written, say)
    raises, and then the scheduler retries the batch.
    """
    return _on_kernel_thread(_run_jobs, list(jobs)).result()


def release_kernel() -> None:
    """Shut this worker's warm kernel down once the township running in it (if any) is done."""
    if _kernel_thread is not None:
        _on_kernel_thread(shutdown_kernel)


class KernelCleanup(WorkerPlugin):
    """Shuts the worker's warm kernel down when the Dask worker closes.

    (Should a worker be killed outright, its kernel notices that its parent
    is gone and exits by itself within a second or so.)
    """

    name = "fupin-kernel-cleanup"

    async def teardown(self, worker) -> None:
        if _kernel_thread is None:
            return
        done = asyncio.wrap_future(_on_kernel_thread(shutdown_kernel))
        with contextlib.suppress(Exception):
            await asyncio.wait_for(done, timeout=10)


class IgnoreInterrupts(WorkerPlugin):
    """Ctrl-C is the client's to handle: a ``local:N`` worker ignores the terminal's SIGINT.

    The terminal sends Ctrl-C to every process of the command, workers
    included; the client then cancels and closes them in order, so a worker
    need not (and should not) print a KeyboardInterrupt traceback of its own.
    """

    name = "fupin-ignore-interrupts"

    def setup(self, worker) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def worker_view(paths: Sequence[str], writable: str) -> dict[str, object]:
    """What one worker sees: fupin's version and which of ``paths`` it cannot reach."""
    import socket

    import fupin
    from fupin.report.tables import code_version

    return {
        "host": socket.gethostname(),
        "version": fupin.__version__,
        "code": code_version(),
        "missing": [p for p in paths if not os.path.exists(p)],
        "writable": os.access(writable, os.W_OK),
    }


# ----------------------------------------------------------------------------- on the client


def execute_on_cluster(
    jobs: list[Job], address: str, progress: bool, done: Callable[[TownshipResult], None] | None = None
) -> list[TownshipResult]:
    """Run ``jobs`` on the Dask cluster at ``address``; one result per township.

    ``address`` is ``tcp://host:port`` (a running ``dask scheduler``) or
    ``local:N`` (N worker processes started here and closed at the end).
    ``done`` is called with each result as its batch comes back.
    Raises :class:`~fupin.core.errors.UsageError` for a bad or unreachable
    address, a cluster without workers, or workers that do not see the
    report folder, data and notebooks at the same paths or run another
    fupin version.
    """
    where = parse_address(address)
    if not jobs:
        return []
    jobs = [replace(j, notebooks_dir=Path(j.notebooks_dir).resolve(), out_dir=Path(j.out_dir).resolve()) for j in jobs]
    with _client(where, len(jobs)) as client:
        workers = _check_workers(client, where, jobs)
        client.register_plugin(KernelCleanup(), name=KernelCleanup.name)
        try:
            return _gather(client, jobs, workers, progress, done)
        finally:
            if where.scheduler:  # a shared cluster keeps no idle kernels of ours
                with contextlib.suppress(Exception):
                    client.run(release_kernel, on_error="ignore")


@contextlib.contextmanager
def _client(where: ClusterAddress, jobs: int) -> Iterator:
    from distributed import Client, LocalCluster

    cluster = None
    try:
        if where.local_workers:
            with _interrupts_ignored():  # inherited by the worker processes started now
                cluster = LocalCluster(
                    n_workers=min(where.local_workers, jobs), threads_per_worker=1, processes=True,
                    # the scheduler's HTTP server on a free local port: no clash with another run on 8787
                    # CRITICAL: at shutdown a worker's heartbeat can meet the closing scheduler, which
                    # Dask logs as an ERROR with a traceback (dask/distributed#7105); what a worker's
                    # failure means for a township reaches the runner as that township's result.
                    dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL, plugins=(IgnoreInterrupts(),),
                )
            client = Client(cluster, set_as_default=False)
        else:
            _reachable(where.scheduler)
            try:
                client = Client(where.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise UsageError(
                    f"无法连接 Dask 调度器 {where.scheduler}（{CONNECT_TIMEOUT:.0f} 秒内没有响应）：请确认该机器上已运行 "
                    f"`dask scheduler`、地址和端口无误、防火墙放行该端口（{_HELP}）"
                ) from exc
        try:
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def _reachable(scheduler: str) -> None:
    """Fail at once when nothing listens at ``scheduler`` (connection refused, unknown host).

    Dask's client retries a refused connection until its timeout; a plain TCP
    connection tells a machine that answers "nothing here" in milliseconds.
    A connection that gets no answer at all is left to the client's timeout.
    """
    from distributed.comm.addressing import parse_address as split_scheme, parse_host_port

    host, port = parse_host_port(split_scheme(scheduler)[1])
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            pass
    except ConnectionRefusedError as exc:
        raise UsageError(
            f"无法连接 Dask 调度器 {scheduler}（连接被拒绝，该端口上没有程序在监听）：请确认该机器上已运行 "
            f"`dask scheduler`、地址和端口无误（{_HELP}）"
        ) from exc
    except socket.gaierror as exc:
        raise UsageError(f"无法连接 Dask 调度器 {scheduler}（找不到主机 {host}）：请检查地址（{_HELP}）") from exc
    except OSError:
        pass  # no answer, or a network error: the client's own timeout decides


@contextlib.contextmanager
def _interrupts_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_workers(client, where: ClusterAddress, jobs: list[Job]) -> int:
    """Wait for a worker, check every worker sees the same paths and fupin; returns the worker count."""
    from fupin import __version__
    from fupin.report.tables import code_version

    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except (TimeoutError, OSError) as exc:
        raise UsageError(
            f"Dask 调度器 {where} 上没有工作进程（等了 {WORKER_TIMEOUT:.0f} 秒）：请在各台机器上运行 "
            f"`dask worker {where} --nworkers N --nthreads 1`（{_HELP}）"
        ) from exc
    first = jobs[0]
    paths = [str(first.notebooks_dir / n) for n in first.notebooks] + [str(j.parameters["data"]) for j in jobs]
    views = client.run(worker_view, paths, str(first.out_dir), on_error="return")
    mine = code_version()
    for worker, view in sorted(views.items()):
        if isinstance(view, BaseException):
            raise UsageError(
                f"工作进程 {worker} 无法运行 fupin（{type(view).__name__}: {view}）：每台工作机器都须安装与本机相同版本的 fupin（{_HELP}）"
            )
        host = f"{worker}（{view['host']}）"
        if view["version"] != __version__ or ("git" in mine and "git" in view["code"] and view["code"] != mine):
            raise UsageError(f"工作进程 {host} 上是 {view['code']}，本机是 {mine}：每台工作机器须安装同一版本的 fupin（{_HELP}）")
        missing = view["missing"]
        if missing:
            more = f" 等 {len(missing)} 个路径" if len(missing) > 1 else ""
            raise UsageError(
                f"工作进程 {host} 找不到 {missing[0]}{more}："
                f"报告文件夹、数据和笔记本须放在所有工作进程都以同一路径访问的共享位置（{_HELP}）"
            )
        if not view["writable"]:
            raise UsageError(f"工作进程 {host} 无法写入报告文件夹 {first.out_dir}：请给运行 dask worker 的用户写权限（{_HELP}）")
    nthreads = client.nthreads()
    crowded = sorted(w for w, n in nthreads.items() if n > 1)
    if crowded:
        print(
            f"提示：{len(crowded)} 个工作进程有多个线程（如 {crowded[0]}）；每个工作进程一次只运行一个乡镇，"
            "请用 `dask worker … --nthreads 1` 启动，以免乡镇在忙碌的进程里排队。",
            file=sys.stderr,
        )
    return len(nthreads)


def _gather(
    client, jobs: list[Job], workers: int, progress: bool, done: Callable[[TownshipResult], None] | None
) -> list[TownshipResult]:
    from distributed import as_completed
    from tqdm import tqdm

    futures = {
        client.submit(run_township_batch, batch, pure=False, retries=RETRIES): batch
        for batch in batches(jobs, batch_size(len(jobs), workers))
    }
    results: list[TownshipResult] = []
    bar = tqdm(total=len(jobs), desc="乡镇报告", unit="个", disable=not progress, leave=True)
    try:
        for future in as_completed(futures, loop=client.loop):
            batch = futures[future]
            try:
                returned = future.result()
            except Exception as exc:  # noqa: BLE001 - recorded against each township of the batch
                returned = [TownshipResult(j.township_id, j.township_name, False, 0.0, error=_task_error(exc))
                            for j in batch]
            for result in returned:
                results.append(result)
                if done is not None:
                    done(result)
            failed = sum(not r.ok for r in returned)
            bar.set_postfix_str(f"{returned[-1].township_name}{f' 失败{failed}个' if failed else ''}")
            bar.update(len(returned))
    except BaseException:
        client.cancel(list(futures))
        raise
    finally:
        bar.close()
    return results


def _task_error(exc: BaseException) -> str:
    from concurrent.futures import CancelledError

    from distributed.scheduler import KilledWorker

    if isinstance(exc, KilledWorker):
        return (f"运行这批乡镇的 Dask 工作进程先后 {exc.allowed_failures + 1} 次异常退出"
                "（可能内存不足，请查看工作进程的日志）")
    if isinstance(exc, CancelledError):
        return "任务被取消：与 Dask 调度器的连接中断，或调度器已关闭"
    return f"集群任务失败（已重试 {RETRIES} 次）：{type(exc).__name__}: {exc}"
