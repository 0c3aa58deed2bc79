"""Employee group attributes (HR-only) and the adverse-impact check across their groups."""
