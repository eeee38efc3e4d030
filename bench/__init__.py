"""The benchmarks: each module with a ``__main__`` guard is one (``make bench`` runs them all), run as
``uv run python bench/<name>.py`` or ``uv run python -m bench.<name>``. A package so that the import contracts
(``pyproject.toml``) hold them to the public packages: the libraries and ``borgerplan_cli``."""
