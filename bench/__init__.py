"""The national-scale benchmark: data set generator, load driver and reference apps (`make bench`)."""
