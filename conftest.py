"""Configuration of the project's own tests (not of users' sessions)."""
