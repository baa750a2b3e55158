"""dlbench as Python calls, for notebooks and scripts: :func:`run`, :func:`resume`, :func:`load` and :func:`compare`
return objects holding pandas DataFrames; the ``dlbench`` command line is a thin layer over them.

``options`` (a run's options: names, defaults, checks), ``catalogues`` (the plugins of one call),
``running`` (start and resume), ``outcome`` (the :class:`Run` and its report), ``comparing`` (the gate).

May import: :mod:`dlbench.runs` and everything below it.
"""
