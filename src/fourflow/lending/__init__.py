"""Lending: products, applications, offers, contracts, loans, schedules, repayments, collections."""
