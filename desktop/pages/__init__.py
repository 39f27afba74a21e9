"""One module per workflow step; each can run alone on the demo project."""
