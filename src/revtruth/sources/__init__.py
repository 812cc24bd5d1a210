"""dlt sources, one sub-package per system. Each only knows its system's API: which
objects, how to page, how to read changes; dlt does state, merge and the destinations."""
