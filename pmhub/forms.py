"""HTML forms of the core domain. They validate shape; services enforce the rules."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from pmhub.capabilities import ROLE_RANK, Role
from pmhub.errors import ApplicationError
from pmhub.models import LifecycleStage, Membership, Product, Workspace

User = get_user_model()


def add_service_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's refusal on the field it names (or on the form as a whole)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class SignupForm(UserCreationForm):
    email = forms.EmailField(max_length=254)
    workspace_name = forms.CharField(
        max_length=100,
        label="Workspace name",
        help_text="Your company or team. You can invite people to it next.",
    )

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = ("username", "email")

    def __init__(self, *args, invited_email: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if invited_email:
            # Joining through an invitation: the workspace exists, the address is given.
            del self.fields["workspace_name"]
            self.fields["email"].initial = invited_email


class WorkspaceForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["name"]


class ProductForm(forms.ModelForm):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    class Meta:
        model = Product
        fields = ["name", "description", "stage", "owner", "vision", "strategy"]
        widgets = {
            "description": forms.TextInput(),
            "vision": forms.Textarea(attrs={"rows": 6}),
            "strategy": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {"vision": "Markdown.", "strategy": "Markdown."}

    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__workspace=workspace
        ).order_by("username")
        self.fields["stage"].choices = LifecycleStage.choices  # type: ignore[attr-defined]


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.EDITOR)

    def __init__(self, *args, actor_role: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = grantable_roles(actor_role)  # type: ignore[attr-defined]


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it, e.g. “Jira sync”.")
    read_only = forms.BooleanField(required=False, help_text="Can read, never write.")
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


def grantable_roles(actor_role: str) -> list[tuple[str, str]]:
    """The roles someone with ``actor_role`` may hand out (never above their own)."""
    rank = ROLE_RANK[Role(actor_role)]
    return [(r.value, r.label) for r in Role if ROLE_RANK[r] <= rank]


def role_form_for(membership: Membership, actor_role: str, data=None) -> RoleForm:
    """The role picker of one member's row, offering only roles the actor may grant."""
    form = RoleForm(data, initial={"role": membership.role}, prefix=f"m{membership.pk}")
    form.fields["role"].choices = grantable_roles(actor_role)  # type: ignore[attr-defined]
    return form


def members_with_forms(memberships, actor_role: str) -> list[tuple[Membership, RoleForm]]:
    return [(membership, role_form_for(membership, actor_role)) for membership in memberships]
