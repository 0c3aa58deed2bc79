"""Results applied: compensation inputs, merit / bonus / promotion / training
recommendations as decided records, training programmes and their effectiveness."""
