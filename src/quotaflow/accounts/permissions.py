"""What a user's role allows, whatever their place in the tree: boolean predicates.

These are the one place a role is tested. Every other app's ``permissions`` module builds
its rules on them (a planner may change the organisation, finance reads every plan…), and
the accounts actions, the web pages and the API ask them before managing users and tokens.
"""

from __future__ import annotations

from quotaflow.accounts.models import Role, TokenScope, User


def is_admin(user: User) -> bool:
    """Administrators (and Django superusers) manage users and everybody's tokens."""
    return bool(user.is_superuser or user.role == Role.ADMIN)


def is_planner(user: User) -> bool:
    """Administrators and sales operations own the organisation, metrics, imports and plans."""
    return is_admin(user) or user.role == Role.SALES_OPS


def is_finance(user: User) -> bool:
    """Finance reads every plan and every number, and changes none of them."""
    return user.role == Role.FINANCE


def is_manager(user: User) -> bool:
    """Sales managers see and act on the subtrees they manage."""
    return user.role == Role.MANAGER


def sees_whole_organisation(user: User) -> bool:
    """Planners and finance see every unit and person; others only their place in the tree."""
    return is_planner(user) or is_finance(user)


def can_manage_users(user: User) -> bool:
    """Create users, change roles, issue passwords and deactivate: administrators."""
    return is_admin(user)


def can_manage_tokens_of(user: User, owner: User) -> bool:
    """Create or revoke ``owner``'s API tokens: the owner themself, or an administrator."""
    return user.pk == owner.pk or is_admin(user)


def may_hold_scope(user: User, scope: str) -> bool:
    """Whether a token of ``user`` may carry ``scope``: 'manage' only for planners."""
    return scope != TokenScope.MANAGE or is_planner(user)


def may_grant_by_token(role: str) -> bool:
    """Whether a request made with an API token may give someone ``role``: never the
    administrator's (a leaked token must not mint administrators)."""
    return role != Role.ADMIN
