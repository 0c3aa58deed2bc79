"""360 ratings pulled from reviews, and the anonymity rule every figure built on them obeys."""
