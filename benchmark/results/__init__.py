"""What a run's results are: the schema of its tables, its kept predictions, the metrics, and their checks.

``schema`` (the columns of ``trials.csv`` and ``results.csv``, defined once), ``predictions`` (the
test-set predictions every refit keeps, loaded without pickle), ``checks`` (the validation of result
files that ``report`` and ``compare`` read, which fails closed) and ``metrics`` (accuracy and friends).

May import: the leaf helpers only (:mod:`dlbench.errors`, :mod:`dlbench.files`).
"""
