"""Role and isolation cases of the backlog app, one module per area (api, grooming, sprints,
imports); tests/backlog/test_roles.py and test_tenancy.py run them all.

Each module defines ``API_CASES`` and ``PAGE_CASES`` (``tests.role_matrix.Request``, run by
``BacklogTeam`` — ``t.backlog`` is Acme's ``SampleBacklog``) and ``CASES`` (tenancy walker cases,
run by ``BacklogWorld`` — ``w.a_backlog`` / ``w.b_backlog``, titled "alpha …" / "bravo …").
"""
