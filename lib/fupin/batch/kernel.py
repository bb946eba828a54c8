"""Warm kernels for the batch: started once per worker, reset per township.

Starting a kernel and importing pandas and matplotlib costs more than a small
township's whole report. A worker therefore keeps one :class:`WarmKernel`:
started and primed once (:func:`fupin.batch.kernel_state.prime`), reset before
every township (:func:`fupin.batch.kernel_state.reset`), and replaced by a fresh
one after any failure, so a crashed, hung or broken kernel never carries into
the next township. Papermill executes the notebook in it through the
``fupin-warm`` engine (:mod:`fupin.batch.papermill_engine`). This module needs only
``jupyter_client``: a worker starts its kernel first and imports papermill
while the kernel starts.
"""

from __future__ import annotations

import logging
import os
import queue
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from fupin.core.errors import KernelSetupError

logger = logging.getLogger("fupin.batch.kernel")

PRIME = "__import__('fupin.batch.kernel_state').kernel_state.prime()"
RESET = "__import__('fupin.batch.kernel_state').kernel_state.reset()"


class WarmKernel:
    """One long-lived report kernel, owned by one worker process.

    It keeps one kernel client for its whole life: the priming, every reset and
    every notebook run (``papermill.execute_notebook(..., kc=kernel.kc)``) go
    through it. A new client costs 0.2 s before its first message (it waits
    for the kernel's output channel to stay quiet that long), twice per
    township when the reset and papermill each made their own.
    """

    def __init__(self, cwd: Path, kernel_name: str = "python3", start_timeout: float = 120.0) -> None:
        self.cwd = Path(cwd)
        self.kernel_name = kernel_name
        self.start_timeout = start_timeout
        self.km: AsyncKernelManager | None = None
        self.kc = None  # the kernel's one client (AsyncKernelClient) while it runs
        self.runs = 0
        self._priming: str | None = None  # id of the priming request not yet answered
        #: The kernel process's own stdout and stderr (a temporary file, removed at shutdown): what
        #: it prints there (a failed start, a crash) never reaches the batch's console as a traceback.
        self.output: Path | None = None

    def start(self) -> None:
        """Start the kernel and import the report's libraries in it."""
        self.launch()
        self.wait_primed()

    def launch(self) -> None:
        """Start the kernel, connect its client and send the priming imports without waiting for them.

        The worker imports its own libraries meanwhile; :meth:`wait_primed` collects the answer.
        """
        km = AsyncKernelManager(kernel_name=self.kernel_name)
        # Loopback TCP as Jupyter always uses; the kernel's start-up chatter
        # (e.g. "running over TCP without encryption") would only clutter the
        # batch's console, so it logs errors only.
        # No IPython history database either: nobody reads it, and it is one more
        # file the kernel would write (and complain about on a full disk).
        # Its own stdout and stderr go to a file (the cells' output comes through the client): a
        # start-up traceback (say, a port taken between jupyter_client choosing it and the kernel
        # binding it) would otherwise be printed to the user's console; last_words() reads it.
        fd, output = tempfile.mkstemp(prefix="fupin-kernel-", suffix=".log")
        os.close(fd)
        self.output = Path(output)
        with open(self.output, "ab") as sink:  # append mode: the kernel's two streams share it
            run_sync(km.start_kernel)(
                cwd=str(self.cwd), stdout=sink, stderr=sink,
                extra_arguments=["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"],
            )
        self.km = km
        kc = km.client()
        kc.start_channels()
        self.kc = kc
        run_sync(kc.wait_for_ready)(timeout=self.start_timeout)
        kc.allow_stdin = False  # as nbclient sets it on the clients it makes
        self._priming = kc.execute(PRIME, silent=False, store_history=False)

    def wait_primed(self, abort=None) -> None:
        """Wait for the priming imports sent by :meth:`launch`; KernelSetupError if they failed.

        ``abort`` (an Event): stop waiting when it is set (the caller then shuts the kernel down).
        """
        if self._priming is None:
            return
        msg_id, self._priming = self._priming, None
        reply = self._reply(msg_id, self.start_timeout, abort)
        if reply is not None:
            self._check(reply, [])

    def reset(self) -> None:
        """Clean slate before a township (starts the kernel if needed)."""
        if self.km is None or not self.alive():
            self.restart()
        else:
            self.wait_primed()
            if self.runs:
                self._run(RESET, 60)
        self.runs += 1

    def alive(self) -> bool:
        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def restart(self) -> None:
        """Replace the kernel with a fresh, primed one."""
        self.shutdown()
        self.start()
        self.runs = 0

    def shutdown(self) -> None:
        """Stop the kernel process (at once) and close the channels."""
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001 - closing what is already closed is fine
                logger.debug("closing the kernel client failed", exc_info=True)
            self.kc = None
        self._priming = None
        if self.km is not None:
            _reap(self.km)
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - already dead is fine
                logger.debug("kernel shutdown failed", exc_info=True)
            self.km = None
        if self.output is not None:
            try:
                self.output.unlink(missing_ok=True)
            except OSError:  # still open elsewhere (Windows): the system's temporary folder keeps it
                logger.debug("removing the kernel's output file failed", exc_info=True)
            self.output = None

    def last_words(self) -> str:
        """The last line the kernel process printed on its own stdout or stderr (not a cell's
        output), for a failure's message: at most 300 characters, control characters removed; ''
        if none."""
        from fupin.core.text import without_controls

        if self.output is None:
            return ""
        try:
            with open(self.output, "rb") as handle:
                handle.seek(max(0, handle.seek(0, os.SEEK_END) - 4096))
                tail = handle.read().decode("utf-8", "replace")
        except OSError:
            return ""
        lines = [line.strip() for line in tail.splitlines() if line.strip()]
        return without_controls(lines[-1])[:300] if lines else ""

    def _reply(self, msg_id: str, timeout: float, abort=None) -> dict | None:
        """The shell reply to request ``msg_id`` (others are skipped); KernelSetupError on timeout.

        None when ``abort`` (an Event, checked every 0.1 s) is set first.
        """
        deadline = time.monotonic() + timeout
        while True:
            if abort is not None and abort.is_set():
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise KernelSetupError(f"内核在 {timeout:g} 秒内没有完成准备")
            try:
                reply = run_sync(self.kc.get_shell_msg)(timeout=min(left, 0.1) if abort is not None else left)
            except queue.Empty:
                continue
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return reply

    @staticmethod
    def _check(reply: dict, errors: list[str]) -> None:
        content = reply["content"]
        if content.get("status") == "error" and not errors:
            errors.append(f"{content.get('ename')}: {content.get('evalue')}")
        if content.get("status") != "ok" or errors:
            raise KernelSetupError("; ".join(errors) or str(content))

    def _run(self, code: str, timeout: float) -> None:
        """Run set-up code through the kernel's client and wait for it."""
        errors: list[str] = []

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "error":
                errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

        reply = run_sync(self.kc.execute_interactive)(
            code, silent=False, store_history=False, timeout=timeout, output_hook=hook
        )
        self._check(reply, errors)


def _reap(km: AsyncKernelManager) -> None:
    """Kill the kernel's process group and wait for the kernel to exit.

    ``shutdown_kernel(now=True)`` sends the same signal, then polls every
    0.1 s until the process is gone, so every stop cost 0.11 s where the
    kernel is gone in a few milliseconds. Reaped here first, it finds the
    kernel gone at its first look and only cleans up (connection file,
    ports). A kernel that outlives the wait is left to ``shutdown_kernel``.
    """
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    if process is None:
        return
    try:
        run_sync(provisioner.kill)()
        process.wait(timeout=5)
    except Exception:  # noqa: BLE001 - gone already, or not ours to wait for: shutdown_kernel decides
        logger.debug("killing the kernel failed", exc_info=True)
