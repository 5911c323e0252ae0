"""Issue 17: every 403 hint names the profile, permission and scope the request needs (docs/least-privilege.md)."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err

from .fake_transport import HTML_403, FakeResponse
from .test_client import make


def forbidden(call):
    client, session = make([FakeResponse(403, text=HTML_403, reason="Forbidden")])
    with pytest.raises(err.PermissionDeniedError) as info:
        call(client)
    return info.value.hint


def test_403_on_an_api_user_change_names_super_admin_and_scope_global():
    hint = forbidden(lambda c: c.put("system/api-user", {"comments": "x"}, mkey="auto"))
    assert "super_admin profile itself" in hint and "sysgrp.admin" in hint and "scope global" in hint
    assert "docs/least-privilege.md" in hint


def test_403_on_generate_key_names_super_admin():
    assert "super_admin" in forbidden(lambda c: c.action("system/api-user/generate-key", {"api-user": "auto"}))


def test_403_on_a_token_read_names_authgrp_read_and_no_super_admin():
    hint = forbidden(lambda c: c.get("user/fortitoken", api="monitor"))
    assert "read permission on 'authgrp'" in hint and "super_admin" not in hint
