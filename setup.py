"""Package discovery for the one import package ``dlbench``, whose parts live in three top-level folders.

pyproject.toml holds the metadata. setuptools' ``packages.find`` cannot rename what it finds, and a fixed
``packages`` list misses every new subpackage (a wheel without ``dlbench.reports`` broke every command), so the
packages are found here: each folder and every package below it, under its ``dlbench`` name.
"""

from setuptools import find_packages, setup

PACKAGE_DIRS = {"dlbench": "benchmark", "dlbench.plugins": "plugins", "dlbench.tasks": "tasks"}

setup(
    package_dir=PACKAGE_DIRS,
    packages=[f"{name}.{sub}" if sub else name
              for name, folder in PACKAGE_DIRS.items() for sub in ["", *find_packages(folder)]],
)
