"""Papermill's ``fupin-warm`` engine: executes a notebook in a warm kernel the caller owns.

Importing this module registers the engine with papermill
(``papermill.execute_notebook(..., engine_name=ENGINE, km=kernel.km, kc=kernel.kc)``);
the kernels themselves are :class:`fupin.batch.kernel.WarmKernel`.
"""

from __future__ import annotations

import logging

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.iorw import write_ipynb
from papermill.utils import merge_kwargs, remove_args

#: The engine's name in papermill's registry.
ENGINE = "fupin-warm"


class WarmEngine(NBClientEngine):
    """Papermill's nbclient engine, executing in a kernel the caller owns.

    Pass ``km=`` (a started :class:`AsyncKernelManager`); the kernel is left
    running. With ``kc=`` (that kernel's client, ready) the run uses it and
    leaves it open; without, it makes its own and closes it after the run.
    ``failure_path=`` receives the notebook as far as it got when the run
    ends in an exception that is not a cell error (a dead kernel, a
    timeout), since papermill only saves those when it saves after every
    cell.
    """

    @classmethod
    def execute_managed_notebook(
        cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
        start_timeout=60, execution_timeout=None, failure_path=None, kc=None, **kwargs,
    ):
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            kwargs, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
            log=logging.getLogger("papermill"), log_output=log_output, stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client = PapermillNotebookClient(nb_man, **final)
        client.kc = kc  # None: nbclient makes (and waits for) a client of its own
        try:
            return client.execute()
        except Exception:
            if failure_path:
                nb_man.notebook_complete()  # closes the cell statuses, as papermill does
                write_ipynb(nb_man.nb, failure_path)
            raise
        finally:
            if kc is None and client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE, WarmEngine)
