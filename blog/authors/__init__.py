"""Author pages: who writes here, and what they wrote."""
