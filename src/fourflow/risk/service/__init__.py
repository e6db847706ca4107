"""Risk services: the rules of the risk engine, called by the API, jobs and other domains."""
