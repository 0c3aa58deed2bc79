"""The tenant's goal policy: weight bounds, indicators per post, check-in interval."""
