"""The Textual UI: inspect a site layer by layer (imported lazily by the CLI)."""
