"""SCIM 2.0 provisioning (RFC 7643, RFC 7644) at /scim/v2: Users are employees, Groups are
org units; writes go through the organisation service. See docs/scim.md."""
