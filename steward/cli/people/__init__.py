"""The people area's command groups, one module each; their use cases are in ``workflows/people``."""
