"""Helpers shared by more than one analysis family; private to the built-in analyses.

An analysis lives in ``analyses/<family>/<id>.py``; what several families need (exact
selection and sums, histograms, the exact KS machinery, libm-free numerics, report
wording, time-series accumulators) lives here, so no family module imports another
family's analysis to reach a helper.
"""
