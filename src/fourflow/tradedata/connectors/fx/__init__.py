"""FX reference-rate feeds."""
