"""Writes of the roadmaps app with a rule, one module per noun. Keyword-only and atomic; each
refuses bad input with an ``ApplicationError`` naming the field and records the audit trail."""
