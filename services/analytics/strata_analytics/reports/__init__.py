"""HTML reports people look at: the individual 360 report and the rating distribution
chart, rendered from Jinja2 templates with inline SVG (no script, no external asset)."""
