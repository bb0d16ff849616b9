"""Every write of the backlog that has a rule, split by noun."""
