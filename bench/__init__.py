"""Benchmarks at trust and local-authority scale: ``make bench [SCALE=small|medium|large]``.

See bench/README.md. Nothing in the product imports this package.
"""
