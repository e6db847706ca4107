"""Probability-of-default scorecard (F11): training with optbinning, a portable JSON model scored
in pure Python with reason codes, metrics and validation.

Import the portable model from ``fourflow.risk.scorecard.model`` where only scoring is needed:
it does not load pandas, numpy or optbinning. Training lives in ``training`` and ``validation``.
"""
