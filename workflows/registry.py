"""Every lifecycle by name, for the CLI, the docs and (later) the web."""

from workflows import document

LIFECYCLES = {lc.name: lc for lc in (document.LIFECYCLE,)}
