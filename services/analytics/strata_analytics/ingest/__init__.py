"""Events from every service, as analytics received them: the read model's raw input."""
