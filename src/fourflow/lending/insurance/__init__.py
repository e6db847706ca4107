"""Insurance on financing (F27): cargo cover on the goods financed and credit cover on the loan, quoted
by an insurer port on an open offer, chosen by the seller when accepting it, bound when the loan is
disbursed (premium posted), and claimed when collections write the loan off (claim reduces the loss)."""
