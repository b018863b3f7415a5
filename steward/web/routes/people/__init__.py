"""The people area's pages, one router each; their use cases and reads are in ``workflows/people``."""
