"""The insurer port (ARCHITECTURE rule 8): quote, bind, file a claim, read a claim's status. A
``Protocol`` (``port``), a simulator for the demo world (``simulator``) and the installation's insurer
behind a circuit breaker and a timeout (``registry``)."""
