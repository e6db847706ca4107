"""The names of the domain events contracts publish. Subscribers import them from here rather than
from the contracts service, which imports much of lending itself: a module that subscribes while it
is being imported would otherwise depend on the order the application happened to import things."""

# Published when the platform countersigns: the contract now carries both signatures.
CONTRACT_COUNTERSIGNED = "lending:contract:countersigned"
