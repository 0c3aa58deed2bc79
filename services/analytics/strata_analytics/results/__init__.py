"""Overall results per employee and cycle: plan score and 360 score combined, banded,
explained, rolled up."""
