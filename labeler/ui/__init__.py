"""The labelling GUI: the only package that imports Qt."""
