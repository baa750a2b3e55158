"""The plugin host: finds plugins, checks what they register, and tells observers about a run.

``hookspecs`` (the hooks and ``hookimpl``), ``loading`` (built-ins, entry points, ``--plugins-dir`` files,
``-p``), ``catalogue`` (the models, tasks, sources and report formats by name, each attributed to its
plugin), ``contracts`` and ``validation`` (what a registered item and a task's data must satisfy), and
``observers`` (``trial_finished``, ``run_finished``). Plugins see only ``hookimpl`` and the contracts,
through :mod:`dlbench`.

May import: :mod:`dlbench.types`, :mod:`dlbench.errors` and pluggy; nothing that runs, tunes or trains.
"""
