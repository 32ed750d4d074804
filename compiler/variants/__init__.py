"""Variants of a compiled net, and how they differ from it.

    scrambling.py   `scramble`: the same function under random invertible changes of basis (checked)
    retraining.py   `retrain`, `compress`: "natural" nets trained in torch to match the program
    compare.py      compiled vs trained: per-layer agreement, probes and the report
"""
