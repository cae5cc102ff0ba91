"""Pure scoring engine: feature building, gradient boosting, calibration, evaluation."""
