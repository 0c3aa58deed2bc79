"""The read model: what analytics keeps of the other services' state, built from their
events (and, for 360 ratings, from the reviews service's private feed)."""
