"""Renamed: the incremental-run state is :mod:`fupin.run_state`, the folder lock :mod:`fupin.lock`.

Old imports keep working for one release, with a DeprecationWarning.
"""

import warnings

from fupin.lock import FolderLock
from fupin.run_state import LOCK_FILE, STATE_FILE, BatchState, code_digest, inputs_digest

warnings.warn("fupin.state is renamed: use fupin.run_state (and fupin.lock for FolderLock)",
              DeprecationWarning, stacklevel=2)

__all__ = ["LOCK_FILE", "STATE_FILE", "BatchState", "FolderLock", "code_digest", "inputs_digest"]
