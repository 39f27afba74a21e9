"""Calibrated prediction intervals (cross-conformal) and the applicability domain."""
