"""Benchmarks of the jobs that grow with the reseller's size; `python -m bench` runs them all.

Each module measures one job against a naive baseline in the same run and prints its figures;
none of them is a test (`make test` does not run them). See README, "Performance".
"""
