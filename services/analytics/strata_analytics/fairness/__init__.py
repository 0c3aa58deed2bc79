"""Rater bias, normalisation and reliability of 360 ratings, anonymity first."""
