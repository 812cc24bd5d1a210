"""The transform layer: the dbt project shipped in this package and the one wrapper that runs it."""

from revtruth.transform.runner import DbtRunError, build, run_dbt

__all__ = ["DbtRunError", "build", "run_dbt"]
