"""The engine area's pages, one router each; their use cases and reads are in ``workflows/engine``."""
