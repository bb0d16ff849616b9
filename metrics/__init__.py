"""Metrics: filled in by its own issue; installed now so the layering holds from day one."""
