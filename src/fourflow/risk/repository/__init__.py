"""Every query of the risk engine, one module per concern."""
