"""Strategy and the KPI cascade: objectives, indicators, links, templates, cascade, coverage."""
