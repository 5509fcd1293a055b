"""Benchmarks of the pipeline on this machine: `make bench` writes docs/benchmarks.md and docs/benchmarks.png."""
