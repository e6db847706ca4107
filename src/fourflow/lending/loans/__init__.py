"""Loans (issue 7): booked from an accepted offer, disbursed, accruing interest daily and repaid from
marketplace payouts, every money movement a balanced ledger entry (MONEY-FLOWS events 2–6)."""
