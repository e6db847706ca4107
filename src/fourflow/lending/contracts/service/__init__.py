"""Contract services: terms, the PDF, the platform PKI, signing and verification."""
