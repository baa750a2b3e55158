"""``python -m dlbench``: the same command line as the ``dlbench`` console script."""

from dlbench.cli import main

raise SystemExit(main())
