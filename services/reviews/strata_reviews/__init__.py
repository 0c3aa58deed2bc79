"""Strata reviews service: 360-degree feedback: templates, campaigns, nominations, invitations,
responses and anonymised results.
"""
