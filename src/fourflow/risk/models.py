"""Risk engine tables (SQLAlchemy)."""
