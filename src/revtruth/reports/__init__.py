"""Reports read marts only: never raw tables, never source APIs."""

from revtruth.reports.overview import Overview, read_overview
from revtruth.reports.zombies import ZOMBIE_COLUMNS, read_zombies

__all__ = ["ZOMBIE_COLUMNS", "Overview", "read_overview", "read_zombies"]
