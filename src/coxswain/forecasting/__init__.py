"""Forecasting: pipeline, cycle, Monte Carlo and run-rate forecasts, calls, backtests."""
