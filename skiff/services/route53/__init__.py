"""Route 53: the view of the hosted zones Cloud Map manages."""
