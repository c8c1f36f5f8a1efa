"""Benchmarks (issue 9): caselog's figures next to baselines measured on the same machine in the
same run, as ratios; `python -m bench [--quick]` writes bench/results/<timestamp>.{json,md}."""
