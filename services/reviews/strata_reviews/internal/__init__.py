"""Private, platform-only endpoints (never proxied by the gateway): the answers feed
analytics builds its rater statistics from."""
