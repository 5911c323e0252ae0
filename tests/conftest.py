"""Make `ansible_collections.fortifleet.auth` importable from the work tree."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, ".build")
# Under `ansible-test units` the tree already is ansible_collections/fortifleet/auth and importable.
IN_COLLECTION_TREE = os.path.basename(os.path.dirname(os.path.dirname(ROOT))) == "ansible_collections"
if not IN_COLLECTION_TREE:
    if not os.path.isdir(os.path.join(BUILD, "ansible_collections", "fortifleet", "auth")):
        subprocess.check_call([sys.executable, os.path.join(ROOT, "tools", "layout.py"), "link"],
                              stdout=subprocess.DEVNULL)
    if BUILD not in sys.path:
        sys.path.insert(0, BUILD)

try:
    from hypothesis import HealthCheck, settings

    # Input generation speed depends on the machine's load (CI shares 2 cores with the emulator):
    # property tests judge correctness, not speed.
    settings.register_profile("fortifleet", suppress_health_check=[HealthCheck.too_slow], deadline=None)
    settings.load_profile("fortifleet")
except ImportError:  # pragma: no cover - hypothesis comes with requirements-dev.txt
    pass
