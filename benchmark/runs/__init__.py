"""Running a benchmark: a run's settings, its orchestration, its workers, its folder and its environment.

``runner`` (the run: tasks one after the other, a study per model, refits, resume, Ctrl-C, a full disk),
``run_files`` (the run folder's tables and plots, rewritten after every study), ``workers`` (``--jobs``
helper processes, each bound to its cores or GPU), ``locking`` (one live process per run folder),
``environment`` (the machine, versions and plugins a run used) and ``about`` (``--version``).

May import anything below it: :mod:`dlbench.reports`, :mod:`dlbench.tuning`, :mod:`dlbench.training`,
:mod:`dlbench.host`, :mod:`dlbench.results`, :mod:`dlbench.data` and the leaf helpers; only the CLI
imports it.
"""
