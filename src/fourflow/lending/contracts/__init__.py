"""Contracts (F4): the contract PDF, its PAdES signatures with RFC 3161 timestamps from the
platform's own CA and TSA, and verification that anyone can run."""
