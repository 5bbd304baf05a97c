"""Foreign food-safety regulations and standards, their links to products, and the rules "in force
on a date" and "binding an exporter from a country on a date"."""
