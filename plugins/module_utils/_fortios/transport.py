# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One TLS context per CA bundle for the whole controller process.

requests (2.32.2 and later) hands urllib3 the CA path, and urllib3 builds a new SSLContext and loads the bundle
again for every new connection: 19.8 ms of controller CPU per connection with certifi's bundle against 1.7 ms
shared, 2.2 against 1.7 ms with a one-certificate CA file (benchmarks/README.md, "TLS context per connection"). A
fleet run opens up to FAN_OUT connections per device, so the bundle is loaded here once and the context is shared. Verification is unchanged:
the context is urllib3's own (create_urllib3_context: CERT_REQUIRED, hostname checking, and on Python 3.13 the
strict X.509 flags), with the same CA file loaded.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import ssl
import stat
import threading

try:
    from urllib.parse import urlparse
except ImportError:  # Python 2 (ansible-test's compile check of module_utils)
    from urlparse import urlparse

try:
    from requests.adapters import HTTPAdapter
    from requests.utils import DEFAULT_CA_BUNDLE_PATH
    from urllib3.util.ssl_ import create_urllib3_context
except ImportError:  # the client reports the missing library
    HTTPAdapter = object
    DEFAULT_CA_BUNDLE_PATH = None
    create_urllib3_context = None

_CONTEXTS = {}
_LOCK = threading.Lock()


def shared_context(ca_file):
    """The verifying SSLContext for ``ca_file``, built once per file version (path, size, mtime) in this process;
    None when it cannot be built here (then requests and urllib3 do it their own way and report the problem)."""
    if create_urllib3_context is None or not ca_file:
        return None
    try:
        info = os.stat(ca_file)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    key = (os.path.abspath(ca_file), info.st_size, info.st_mtime_ns)
    with _LOCK:
        context = _CONTEXTS.get(key)
        if context is None:
            try:
                context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
                context.load_verify_locations(cafile=ca_file)
            except (ssl.SSLError, OSError, ValueError):
                return None
            _CONTEXTS[key] = context
        return context


class SharedContextAdapter(HTTPAdapter):
    """An HTTPAdapter whose verified connections use the shared context of one CA file. ``verify`` is still passed
    with every request; only a request that verifies against this adapter's CA file uses the shared context."""

    def __init__(self, ca_file, *args, **kwargs):
        self.ca_file = ca_file
        self.context = shared_context(ca_file)
        super(SharedContextAdapter, self).__init__(*args, **kwargs)

    def _mine(self, verify):
        if self.context is None or not verify:
            return False
        ca_file = DEFAULT_CA_BUNDLE_PATH if verify is True else verify
        return ca_file == self.ca_file

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        if not self._mine(verify) or cert is not None:
            return super(SharedContextAdapter, self).build_connection_pool_key_attributes(request, verify, cert)
        # What requests builds, without its isdir() of the CA path per request, and without ca_certs: urllib3 would
        # load the file into the context again for every connection.
        url = urlparse(request.url)
        return ({"scheme": url.scheme.lower(), "host": url.hostname, "port": url.port},
                {"cert_reqs": "CERT_REQUIRED", "ssl_context": self.context})

    def cert_verify(self, conn, url, verify, cert):
        if not (self._mine(verify) and url.lower().startswith("https")):
            return super(SharedContextAdapter, self).cert_verify(conn, url, verify, cert)
        # requests would stat the file twice per request and set ca_certs (a reload per connection).
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None


def mount_shared_context(session, verify):
    """Mount the shared-context adapter for https on ``session`` when ``verify`` names a CA (True: requests' own
    bundle). Returns whether it did; on requests older than 2.32.2 (no pool-key hook) the session is left alone."""
    if not verify or not hasattr(HTTPAdapter, "build_connection_pool_key_attributes"):
        return False
    ca_file = DEFAULT_CA_BUNDLE_PATH if verify is True else verify
    adapter = SharedContextAdapter(ca_file)
    if adapter.context is None:
        return False
    session.mount("https://", adapter)
    return True
