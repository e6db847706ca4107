"""Risk engine (F9-F16): features, rules, scorecard, anomalies, graph, score, limits, pricing."""
