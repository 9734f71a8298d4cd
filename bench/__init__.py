"""Benchmarks for Plenary: a generated data set, load tests of the core pages, concurrency figures (see README.md)."""
