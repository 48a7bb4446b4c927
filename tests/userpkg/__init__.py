"""A user package, so tests can call functions imported from another module."""
