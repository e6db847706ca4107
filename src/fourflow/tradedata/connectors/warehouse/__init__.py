"""Warehouse stock connectors: Amazon FBA inventory snapshots and 3PL stock movements."""
