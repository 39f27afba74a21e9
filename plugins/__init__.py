"""Reader plugins shipped with Formix. Each sub-package is a plugin with its own manifest."""
