"""The organisation: org units, positions (posts), employees and reporting lines."""
