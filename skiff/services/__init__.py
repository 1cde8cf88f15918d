"""One package per AWS API: thin providers over typed backends."""
