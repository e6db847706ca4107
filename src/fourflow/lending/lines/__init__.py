"""Revolving credit lines (F2): a limit drawn and repaid repeatedly, each draw a loan of its own."""
