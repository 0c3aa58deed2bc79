"""The reviews audit trail, readable by HR and admins over the API."""
