"""Optimisation passes over the IR: constant folding, CSE and DCE, repeated until nothing changes."""
