"""Benchmarks on a `seed.py --scale N` database: `python -m bench --db PATH` (see README.md)."""
