"""Test data made through the same services the product uses."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from pmhub import services
from pmhub.models import Membership, Product, Workspace
from pmhub.tokens import token_create

_counter = itertools.count(1)
User = get_user_model()


def make_user(username: str | None = None, password: str = "pw-Secret-123"):
    username = username or f"user{next(_counter)}"
    return User.objects.create_user(username=username, email=f"{username}@example.com",
                                    password=password)


def make_member(workspace: Workspace, role: str, username: str | None = None):
    user = make_user(username)
    Membership.objects.create(user=user, workspace=workspace, role=role)
    return user


@dataclass
class Tenant:
    """A workspace with an owner, a product and an open invitation."""

    workspace: Workspace
    owner: object
    product: Product
    extra: dict = field(default_factory=dict)


def make_tenant(name: str) -> Tenant:
    owner = make_user(f"{name.lower()}-owner-{next(_counter)}")
    workspace = services.workspace_create(name=name, owner=owner)
    product = services.product_create(
        workspace=workspace, actor=owner, name=f"{name} Product", description=f"{name}'s product"
    )
    return Tenant(workspace=workspace, owner=owner, product=product)


def api_client(user, workspace: Workspace, *, read_only: bool = False) -> APIClient:
    _, raw = token_create(user=user, workspace=workspace, name="test", read_only=read_only)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client
