"""Financing applications and offers (F2, F3)."""
