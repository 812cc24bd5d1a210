"""The `revtruth` command line. Commands parse options, call the library and render; each
module holds one group of commands (`pipeline`, `reports`, `identity`, `simulate`)."""

from __future__ import annotations

import signal
import warnings
from typing import Annotated

import typer

from revtruth import __version__
from revtruth.cli import identity, pipeline, reports, simulate  # noqa: F401 - they register the commands
from revtruth.cli.app import app, console

# pgserver's platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI): harmless.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

__all__ = ["app", "run"]


def run() -> None:
    """The `revtruth` executable. SIGTERM and SIGHUP stop a command as Ctrl+C does, and so
    does SIGINT, which a shell leaves ignored for a command it starts with `&`: the servers
    a command started (`simulate serve`, `demo`) and its temporary folders are then cleaned
    up instead of left running and behind."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for stopping in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(stopping, stop)
    app()


@app.callback(invoke_without_command=True)
def main(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        console.print(f"revtruth {__version__}")
        raise typer.Exit()
