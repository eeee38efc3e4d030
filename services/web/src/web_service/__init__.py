"""Borgerplan's pages: server-rendered Danish HTML on top of the public API."""
