"""Carrier tracking connectors (AfterShip)."""
