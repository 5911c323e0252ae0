#!/usr/bin/env bash
# Build the docs site (started from `antsibull-docs sphinx-init`): `make docs` runs this with the work tree
# on ANSIBLE_COLLECTIONS_PATH (.build/). Output: docs/build/html/index.html. Needs no network.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# The hand-written user guide (rst/) and the generated pages are put together in temp-rst/.
rm -rf temp-rst
mkdir -p temp-rst
chmod og-w temp-rst  # antsibull-docs wants that directory only writable by itself
cp -r rst/. temp-rst/
# The findings catalogue is generated from the code (tools/findings_doc.py); include it as it is.
cp findings.md temp-rst/guide/findings.md
# So is the least-privilege table (tools/least_privilege.py).
cp least-privilege.md temp-rst/guide/least-privilege.md
# The report's screenshots (make report-screenshots), used by the report role's page.
cp -r images temp-rst/guide/images

# Module, role and environment variable pages of the collection.
antsibull-docs \
    --config-file antsibull-docs.cfg \
    collection \
    --use-current \
    --dest-dir temp-rst \
    fortifleet.auth

# -W: a warning (a broken reference, a page in no toctree) fails the build.
sphinx-build -M html temp-rst build -c . -W --keep-going -q
