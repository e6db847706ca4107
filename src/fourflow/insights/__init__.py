"""The seller's funds view and analytics (F5, F6): upcoming deductions from their payouts, cash-cycle,
sales and stock insights computed from their own trade data, and reminders (repayment due, restock
before a peak season) sent once by e-mail in the reader's language and kept in-app until read."""
