"""The event hub: events from every service's relay, one ordered feed per tenant."""
