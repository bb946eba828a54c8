"""``python -m fupin``: the same as the ``fupin`` console command."""

import sys

from fupin.cli import main

sys.exit(main())
