"""Management review (9.3): the review's lifecycle and its decisions, the input pack compiled for every 9.3.1
item, and the signed minutes."""
