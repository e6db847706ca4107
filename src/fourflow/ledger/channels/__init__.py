"""Payment channels (banks, payment institutions) as ports, their simulators, and routing."""
