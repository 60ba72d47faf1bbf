"""Screens: chat (main), help, eval reports, ingest prompt, document viewer."""
