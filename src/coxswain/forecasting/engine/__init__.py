"""Pure forecasting engine: NumPy arrays and frozen dataclasses in, forecasts out.

No SQLAlchemy, no I/O, no clock: every function takes the cut-off (``as_of``) it works at.
Days are integers counted from 1970-01-01 (:func:`coxswain.forecasting.engine.calendar.day`).
"""
