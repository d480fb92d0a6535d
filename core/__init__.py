"""Domain rules shared by the resources: one module per rule."""
