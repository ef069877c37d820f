"""The ONNX optimisation and measurement lab: optimise, measure (isolated), evaluate, validate, rank.

Kept import-light: ``python -m lab _worker`` sets its memory limit before anything heavy is imported.
"""
