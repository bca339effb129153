"""PDF post-processing; the only users of the PDF library (pikepdf)."""
