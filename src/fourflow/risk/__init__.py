"""Risk engine (F9-F16): features, rules, scorecard, anomalies, related-party graph, score, limits, pricing."""
