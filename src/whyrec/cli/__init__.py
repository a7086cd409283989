"""The ``whyrec`` command line (Typer)."""
