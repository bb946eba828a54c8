"""Warm kernels for the batch: started once per worker, reset per township.

Starting a kernel and importing pandas and matplotlib costs more than a small
township's whole report. A worker therefore keeps one :class:`WarmKernel`:
started and primed once (:func:`fupin.kernel_state.prime`), reset before
every township (:func:`fupin.kernel_state.reset`), and replaced by a fresh
one after any failure, so a crashed, hung or broken kernel never carries into
the next township. Papermill executes the notebook in it through the
``fupin-warm`` engine registered here.
"""

from __future__ import annotations

import logging
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.iorw import write_ipynb
from papermill.utils import merge_kwargs, remove_args

from fupin.errors import KernelSetupError

logger = logging.getLogger("fupin.kernel")

ENGINE = "fupin-warm"
PRIME = "__import__('fupin.kernel_state').kernel_state.prime()"
RESET = "__import__('fupin.kernel_state').kernel_state.reset()"


class WarmKernel:
    """One long-lived report kernel, owned by one worker process."""

    def __init__(self, cwd: Path, kernel_name: str = "python3", start_timeout: float = 120.0) -> None:
        self.cwd = Path(cwd)
        self.kernel_name = kernel_name
        self.start_timeout = start_timeout
        self.km: AsyncKernelManager | None = None
        self.runs = 0

    def start(self) -> None:
        """Start the kernel and import the report's libraries in it."""
        km = AsyncKernelManager(kernel_name=self.kernel_name)
        # Loopback TCP as Jupyter always uses; the kernel's start-up chatter
        # (e.g. "running over TCP without encryption") would only clutter the
        # batch's console, so it logs errors only.
        # No IPython history database either: nobody reads it, and it is one more
        # file the kernel would write (and complain about on a full disk).
        run_sync(km.start_kernel)(
            cwd=str(self.cwd),
            extra_arguments=["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"],
        )
        self.km = km
        self._run(PRIME, self.start_timeout)

    def reset(self) -> None:
        """Clean slate before a township (starts the kernel if needed)."""
        if self.km is None or not self.alive():
            self.restart()
        elif self.runs:
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
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - already dead is fine
                logger.debug("kernel shutdown failed", exc_info=True)
            self.km = None

    def _run(self, code: str, timeout: float) -> None:
        """Run set-up code through a short-lived client (as papermill's runs do)."""
        errors: list[str] = []

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "error":
                errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

        kc = self.km.client()
        kc.start_channels()
        try:
            run_sync(kc.wait_for_ready)(timeout=timeout)
            reply = run_sync(kc.execute_interactive)(
                code, silent=False, store_history=False, timeout=timeout, output_hook=hook
            )
        finally:
            kc.stop_channels()
        if reply["content"]["status"] != "ok" or errors:
            raise KernelSetupError("; ".join(errors) or str(reply["content"]))


class WarmEngine(NBClientEngine):
    """Papermill's nbclient engine, executing in a kernel the caller owns.

    Pass ``km=`` (a started :class:`AsyncKernelManager`); the kernel is left
    running and the per-run client's channels are closed after the run.
    ``failure_path=`` receives the notebook as far as it got when the run
    ends in an exception that is not a cell error (a dead kernel, a
    timeout), since papermill only saves those when it saves after every
    cell.
    """

    @classmethod
    def execute_managed_notebook(
        cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
        start_timeout=60, execution_timeout=None, failure_path=None, **kwargs,
    ):
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            kwargs, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
            log=logging.getLogger("papermill"), log_output=log_output, stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client = PapermillNotebookClient(nb_man, **final)
        try:
            return client.execute()
        except Exception:
            if failure_path:
                nb_man.notebook_complete()  # closes the cell statuses, as papermill does
                write_ipynb(nb_man.nb, failure_path)
            raise
        finally:
            if client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE, WarmEngine)
