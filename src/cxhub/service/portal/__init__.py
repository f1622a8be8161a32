"""The customer portal: customers sign in by e-mailed link and follow their own tickets."""
