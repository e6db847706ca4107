"""The warehouse port (ARCHITECTURE rule 8): remote lock and release of a seller's pledged stock.
A ``Protocol`` (``port``), a simulator for the demo world (``simulator``) and the installation's
warehouse behind a circuit breaker and a timeout (``registry``)."""
