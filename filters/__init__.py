"""Content filters (obscenity and later links/flood); word lists live beside the code as data files."""
