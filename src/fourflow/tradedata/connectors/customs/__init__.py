"""Customs export declaration connectors."""
