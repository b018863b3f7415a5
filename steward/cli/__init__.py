"""The command line: ``steward.cli.main`` builds it from one module per command group."""

from steward.cli.main import app, main

__all__ = ["app", "main"]
