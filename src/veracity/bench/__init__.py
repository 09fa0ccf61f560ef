"""Benchmarking passive detection on a labelled folder (see ``veracity bench``)."""
